import type { RequestHandler } from 'express';
import { can, requiresTotp, type Action } from '../policies/index.js';
import { HttpError } from './errors.js';

/**
 * Every route's first handler is one of these (test/policies/routes.test.ts walks the router to
 * prove it): either the route is explicitly public, or it is authorized by the policy layer.
 */
export const ACCESS = Symbol('access');
type Marked = RequestHandler & { [ACCESS]?: string };

function mark(handler: RequestHandler, how: string): Marked {
  const marked = handler as Marked;
  marked[ACCESS] = how;
  return marked;
}

export const publicAccess: RequestHandler = mark((_req, _res, next) => next(), 'public');

/** Signed in with a complete login (TOTP done where the role requires it), and allowed `action`. */
export function authorize(action: Action): RequestHandler {
  return mark((req, res, next) => {
    const user = req.user;
    if (!user) {
      if (req.method === 'GET' && !req.originalUrl.startsWith('/api/')) {
        req.session.returnTo = req.originalUrl;
        res.redirect('/login');
        return;
      }
      next(new HttpError(401, 'errors.signInRequired'));
      return;
    }
    if (requiresTotp(user) && !req.session.totpVerified) {
      // CASE: a reviewer/admin without a verified second factor may only set it up.
      if (action !== 'account.manage') {
        next(new HttpError(403, 'errors.totpRequired'));
        return;
      }
    }
    if (!can(user, action)) {
      next(new HttpError(403, 'errors.forbidden'));
      return;
    }
    next();
  }, `authorize:${action}`);
}

/** Only for visitors who are not signed in (login, register); signed-in users go to their account. */
export const guestOnly: RequestHandler = mark((req, res, next) => {
  if (req.user) {
    res.redirect('/account');
    return;
  }
  next();
}, 'public');
