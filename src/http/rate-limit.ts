import { createHash, randomBytes } from 'node:crypto';
import { rateLimit } from 'express-rate-limit';
import type { Request, RequestHandler } from 'express';
import { HttpError } from './errors.js';

// Buckets are keyed by a salted hash that lives only in this process's memory: the limiter needs
// to tell clients apart, but no client address is kept in a form that could be read back.
const salt = randomBytes(32);
function clientKey(req: Request): string {
  return createHash('sha256').update(salt).update(req.ip ?? 'unknown').digest('base64url');
}

export function limitRequests(options: { windowMs: number; limit: number; anonymousOnly?: boolean }): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: clientKey,
    validate: { ip: false, keyGeneratorIpFallback: false },
    skip: (req) => req.method === 'GET' || req.method === 'HEAD' || (options.anonymousOnly === true && Boolean(req.user)),
    handler: (_req, _res, next) => next(new HttpError(429, 'errors.tooManyRequests')),
  });
}

/**
 * Every request counts (reads included): API clients are programs. A token's requests share one
 * bucket wherever they come from; anonymous ones are bucketed by (salted, hashed) address.
 */
export function limitApiRequests(options: { windowMs: number; anonymousLimit: number; tokenLimit: number }): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: (_req, res) => (res.locals.apiTokenId ? options.tokenLimit : options.anonymousLimit),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req, res) => (res.locals.apiTokenId ? `token:${String(res.locals.apiTokenId)}` : clientKey(req)),
    validate: { ip: false, keyGeneratorIpFallback: false },
    handler: (_req, _res, next) => next(new HttpError(429, 'errors.tooManyRequests')),
  });
}
