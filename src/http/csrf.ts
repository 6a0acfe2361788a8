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
  res.locals.csrfToken = () => generateToken(req);
  next();
};
