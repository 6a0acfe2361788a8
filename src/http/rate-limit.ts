import { createHash, randomBytes } from 'node:crypto';
import { MemoryStore, rateLimit } from 'express-rate-limit';
import type { Request, RequestHandler } from 'express';
import { HttpError } from './errors.js';

// Buckets are keyed by a salted hash that lives only in this process's memory: the limiter needs
// to tell clients apart, but no client address is kept in a form that could be read back.
const salt = randomBytes(32);
function clientKey(req: Request): string {
  return createHash('sha256').update(salt).update(req.ip ?? 'unknown').digest('base64url');
}

/**
 * A limit on a form's POSTs, keyed by the client's (salted, hashed) address. It is applied where it
 * costs least: `early` runs before the session is read and before any body is parsed; a refusal
 * there touches neither the database nor the body. A limit that spares signed-in accounts
 * (`anonymousOnly`) can only be decided early for requests without a session cookie (they cannot be
 * signed in); the others are counted after the session is known, by the handler itself. Each
 * request is counted once.
 */
export interface FormLimit extends RequestHandler {
  early: RequestHandler;
}

const COUNTED = Symbol('rate-limit-counted');

export function limitRequests(options: { windowMs: number; limit: number; paths: string[]; anonymousOnly?: boolean }): FormLimit {
  const limiter = rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: clientKey,
    validate: { ip: false, keyGeneratorIpFallback: false },
    skip: (req, res) =>
      req.method === 'GET' || req.method === 'HEAD' || (res.locals as Record<symbol, unknown>)[COUNTED] === limiter || (options.anonymousOnly === true && Boolean(req.user)),
    handler: (_req, _res, next) => next(new HttpError(429, 'errors.tooManyRequests')),
  });
  const paths = new Set(options.paths);
  const early: RequestHandler = (req, res, next) => {
    if (req.method !== 'POST' || !paths.has(req.path)) return next();
    if (options.anonymousOnly && /(?:^|;\s*)tracker\.sid=/.test(req.headers.cookie ?? '')) return next();
    (limiter as RequestHandler)(req, res, (err?: unknown) => {
      (res.locals as Record<symbol, unknown>)[COUNTED] = limiter;
      next(err);
    });
  };
  return Object.assign(((req, res, next) => (limiter as RequestHandler)(req, res, next)) as RequestHandler, { early });
}

/** The rate limits of the site's forms: one place, created per app, applied early (see FormLimit). */
export function formLimits(settings: { LOGIN_ATTEMPTS_PER_MINUTE: number; TRACK_ATTEMPTS_PER_MINUTE: number }) {
  const limits = {
    login: limitRequests({ windowMs: 60_000, limit: settings.LOGIN_ATTEMPTS_PER_MINUTE, paths: ['/login', '/login/totp'] }),
    register: limitRequests({ windowMs: 60 * 60_000, limit: 10, paths: ['/register'] }),
    // Each request may send a mail: a few an hour per address.
    passwordForgot: limitRequests({ windowMs: 60 * 60_000, limit: 10, paths: ['/password/forgot'] }),
    // Signed-in accounts are accountable (and may share an address, e.g. behind Tor): anonymous only.
    reportSubmit: limitRequests({ windowMs: 60 * 60_000, limit: 30, anonymousOnly: true, paths: ['/reports'] }),
    track: limitRequests({ windowMs: 60_000, limit: settings.TRACK_ATTEMPTS_PER_MINUTE, paths: ['/track', '/track/answer'] }),
    // A client may check 30 dossiers an hour (each upload can be 40 MB).
    dossierVerify: limitRequests({ windowMs: 60 * 60_000, limit: 30, paths: ['/dossiers/verify'] }),
  };
  const all = Object.values(limits);
  const early: RequestHandler = (req, res, next) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err || i === all.length) return next(err);
      all[i++]!.early(req, res, step);
    };
    step();
  };
  return { ...limits, early };
}
export type FormLimits = ReturnType<typeof formLimits>;

/**
 * Every request counts (reads included): API clients are programs. A token's requests share one
 * bucket wherever they come from; anonymous ones are bucketed by (salted, hashed) address.
 *
 * Counted by express-rate-limit's own store (a fixed window per client), with the headers its
 * middleware writes (IETF draft 8: `RateLimit`, `RateLimit-Policy`, and `Retry-After` on a 429).
 * Its middleware is not used here: on the API, where a cached answer costs about 200 µs, its chain
 * of awaits, validations and a SHA-256 per request took 46 µs (a fifth of the API's rate, measured
 * with and without it under load). The forms' limits, rarely asked, keep it (limitRequests above).
 */
export function limitApiRequests(options: { windowMs: number; anonymousLimit: number; tokenLimit: number }): RequestHandler {
  const store = new MemoryStore();
  store.init({ windowMs: options.windowMs } as Parameters<MemoryStore['init']>[0]);
  const windowSeconds = Math.ceil(options.windowMs / 1000);
  const duration = windowSeconds % 60 === 0 ? `${windowSeconds / 60}min` : `${windowSeconds}sec`;
  // The draft's partition key: an opaque token of the bucket, made once per bucket key (the keys are
  // hashes or token ids, never addresses), as express-rate-limit makes it.
  const partitionKeys = new Map<string, string>();
  const partitionKeyOf = (key: string) => {
    let pk = partitionKeys.get(key);
    if (!pk) {
      if (partitionKeys.size >= 10_000) partitionKeys.clear();
      pk = Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
      partitionKeys.set(key, pk);
    }
    return pk;
  };
  return (req, res, next) => {
    const token = res.locals.apiTokenId as string | undefined;
    const limit = token ? options.tokenLimit : options.anonymousLimit;
    const key = token ? `token:${token}` : clientKey(req);
    store.increment(key).then(({ totalHits, resetTime }) => {
      const resetSeconds = resetTime ? Math.max(0, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : windowSeconds;
      const policy = `"${limit}-in-${duration}"`;
      res.setHeader('RateLimit', `${policy}; r=${Math.max(limit - totalHits, 0)}; t=${resetSeconds}`);
      res.setHeader('RateLimit-Policy', `${policy}; q=${limit}; w=${windowSeconds}; pk=:${partitionKeyOf(key)}:`);
      if (totalHits <= limit) return next();
      res.setHeader('Retry-After', String(resetSeconds));
      next(new HttpError(429, 'errors.tooManyRequests'));
    }, next);
  };
}
