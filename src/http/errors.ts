import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../log.js';
import { ensureViewLocals } from './locals.js';
import { i18next, languageOfRequest } from '../i18n/index.js';

/** An error that carries its HTTP status and a translation key safe to show to the user. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messageKey: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(messageKey);
  }
}

export const notFound = (): HttpError => new HttpError(404, 'errors.notFound');
export const forbidden = (): HttpError => new HttpError(403, 'errors.forbidden');
export const badRequest = (key = 'errors.badRequest'): HttpError => new HttpError(400, key);

const knownStatusTemplates = new Set([400, 403, 404, 409, 413, 415, 422, 429, 500, 503]);

function statusOf(err: unknown): { status: number; key: string } {
  if (err instanceof HttpError) return { status: err.status, key: err.messageKey };
  const e = err as { status?: number; statusCode?: number; type?: string; code?: string; name?: string };
  if (e.code === 'EBADCSRFTOKEN') return { status: 403, key: 'errors.csrf' };
  if (e.type === 'entity.too.large') return { status: 413, key: 'errors.tooLarge' };
  if (e.type === 'entity.parse.failed' || e.type === 'parameters.too.many') return { status: 400, key: 'errors.badRequest' };
  if (e.name === 'CastError' || e.name === 'StrictModeError') return { status: 400, key: 'errors.badRequest' };
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500) return { status, key: 'errors.badRequest' };
  return { status: 500, key: 'errors.internal' };
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound());

export function errorHandler(logger: Logger, exposeStack: boolean): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, key } = statusOf(err);
    if (status >= 500) {
      // CASE: unknown errors are programmer errors: log them in full, show nothing of them.
      logger.error({ err, reqId: res.locals.reqId as string | undefined }, 'unhandled error');
    }
    else logger.debug({ err, status }, 'request refused');
    if (res.headersSent) {
      // A streamed answer broke off: close it unfinished (no last chunk), so the reader sees it is cut short.
      res.destroy();
      return;
    }
    res.status(status);
    res.setHeader('Cache-Control', 'no-store');
    // CASE: the API is served before the i18n middleware: its messages are in English. A page that
    // failed before the i18n middleware ran speaks the visitor's language all the same.
    const message = typeof req.t === 'function' ? req.t(key) : i18next.t(key, { lng: req.originalUrl.startsWith('/api/') ? 'en' : languageOfRequest(req) });
    if (req.originalUrl.startsWith('/api/')) {
      res.json({ error: { status, message } });
      return;
    }
    ensureViewLocals(req, res);
    const template = knownStatusTemplates.has(status) ? String(status) : status >= 500 ? '500' : '400';
    res.render(
      `errors/${template}`,
      { status, message, stack: exposeStack && status >= 500 ? (err as Error).stack : undefined },
      (renderErr, html) => {
        if (!renderErr) {
          res.send(html);
          return;
        }
        // CASE: the error page itself failed; answer plainly rather than through Express's default page.
        logger.error({ err: renderErr }, 'error page failed to render');
        res.type('text/plain').send(`${status} ${message}`);
      },
    );
  };
}
