import type { IncomingMessage } from 'node:http';
import type { Express, RequestHandler } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { AuthSettings } from './service.js';
import { authenticatePassword, findUserById, sessionStillValid } from './service.js';
import { toSessionUser } from './presenter.js';
import { heldAccounts } from './held-accounts.js';

export interface PasswordInfo {
  needsTotp: boolean;
  pending?: boolean;
}

/** Passport keeps only the user id in the session; every request reads the account by id (held for
 * SIGNED_IN_HOLD_MS, dropped by any write of this process: auth/held-accounts.ts), so a disabled
 * account or a role change takes effect at once. */
export function configurePassport(settings: AuthSettings): typeof passport {
  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      authenticatePassword(email, password, settings).then(
        (result) => {
          if (result.outcome === 'failed') done(null, false);
          else if (result.outcome === 'pending') done(null, false, { message: 'pending', needsTotp: false, pending: true } as PasswordInfo & { message: string });
          else done(null, toSessionUser(result.user), { message: '', needsTotp: result.needsTotp } as PasswordInfo & { message: string });
        },
        (err: unknown) => done(err),
      );
    }),
  );
  passport.serializeUser((user, done) => done(null, user.id));
  // With the request (arity 3): a session whose credentials predate a password change has ended.
  passport.deserializeUser((req: IncomingMessage, id: string, done: (err: unknown, user?: Express.User | false) => void) => {
    const session = (req as { session?: { loginAt?: number; credentialsAt?: number } }).session;
    const sessionId = (req as { sessionID?: string }).sessionID;
    const credentialsAt = Math.max(session?.loginAt ?? 0, session?.credentialsAt ?? 0);
    heldAccounts
      .get(id, async () => {
        const user = await findUserById(id);
        return user ? { user: toSessionUser(user), status: user.status, passwordChangedAt: user.passwordChangedAt, passwordChangedBySession: user.passwordChangedBySession } : null;
      })
      .then(
        // A copy: the held account is shared between requests.
        (held) => done(null, held && held.status === 'active' && sessionStillValid(held, credentialsAt, sessionId) ? { ...held.user, roles: [...held.user.roles] } : false),
        (err: unknown) => done(err),
      );
  });
  return passport;
}

/**
 * What `passport.session()` does, without what it costs each request: Passport's middleware gives
 * every request its methods (`req.login`, `req.logout`, …) and builds a strategy object for it, a
 * third of a signed-in page's authentication time and 11 KB of garbage a request (V8 profiles under
 * load). Here the methods are given once, to the app's request prototype (Passport's own
 * `initialize`, applied to it), and the session's user is read through Passport's deserializers
 * (`deserializeUser` above) exactly as its session strategy reads it: no user, or one the
 * deserializer refuses (disabled, credentials changed), is a signed-out request; the refused one's
 * id is taken out of the session.
 */
export function sessionUser(app: Express, instance: typeof passport): RequestHandler {
  (instance.initialize({ compat: false }) as unknown as (req: object, res: undefined, next: () => void) => void)(app.request, undefined, () => undefined);
  return (req, _res, next) => {
    const login = (req.session as { passport?: { user?: unknown } } | undefined)?.passport;
    // As Passport's session strategy: a user id is any truthy value (or 0).
    if (!login || !(login.user || login.user === 0)) return next();
    instance.deserializeUser(login.user, req, (err: unknown, user?: Express.User | false | null) => {
      if (err) return next(err);
      if (user) req.user = user;
      else delete login.user;
      next();
    });
  };
}
