import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../log.js';

/**
 * One line per request: id, method, route pattern (never the concrete URL, which may carry a
 * receipt code or a search), status and duration. No headers, cookies, bodies or addresses.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const reqId = randomUUID();
    res.locals.reqId = reqId;
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: string }).path)}` : '(unmatched)';
      logger.info({
        reqId,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 100_000n) / 10,
      });
    });
    next();
  };
}
