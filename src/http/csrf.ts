import { csrfSync } from 'csrf-sync';
import type { RequestHandler } from 'express';

/**
 * Synchroniser tokens kept in the session. The token travels in a hidden `_csrf` form field, so
 * every form works without JavaScript; API clients may send it as X-CSRF-Token.
 */
const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req) => {
    const body = req.body as Record<string, unknown> | undefined;
    const field = body?._csrf;
    if (typeof field === 'string') return field;
    // CASE: multipart forms (file uploads) carry it in their action URL, so that it is checked
    // before the body is read; pages are not cached and send no Referer, and logs hold no URLs.
    const query = req.query._csrf;
    if (req.is('multipart/form-data') && typeof query === 'string') return query;
    const header = req.get('x-csrf-token');
    return header ?? undefined;
  },
  errorConfig: { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' },
});

export const verifyCsrf: RequestHandler = csrfSynchronisedProtection;

/**
 * Views call `csrfToken()`; the token (and so the session) is only created when a page has a form,
 * so browsing without forms leaves no session behind.
 */
export const exposeCsrfToken: RequestHandler = (req, res, next) => {
  res.locals.csrfToken = () => {
    // A page holding a token is never compressed (http/compress.ts: BREACH).
    res.locals.csrfIssued = true;
    return generateToken(req);
  };
  next();
};
