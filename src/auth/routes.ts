import { requestPasswordReset, resetOf, resetPassword, RESET_MINUTES } from './reset.js';
import { mailEnabled } from '../notifications/service.js';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import passport from 'passport';
import type { Config } from '../config.js';
import { authorize, guestOnly, publicAccess } from '../http/access.js';
import { flash } from '../http/flash.js';
import { safeValues, submitForm } from '../http/forms.js';
import { HttpError } from '../http/errors.js';
import { parseForm } from '../http/validate.js';
import type { FormLimits } from '../http/rate-limit.js';
import { requiresTotp } from '../policies/index.js';
import type { PasswordInfo } from './passport.js';
import { presentUser } from './presenter.js';
import { emptyForm, forgotSchema, loginSchema, passwordChangeSchema, registerSchema, resetSchema, totpConfirmSchema, totpDisableSchema, totpLoginSchema } from './schema.js';
import {
  authenticateSecondFactor,
  changePassword,
  confirmTotpEnrolment,
  disableTotp,
  findUserById,
  recordLogout,
  registerUser,
  startTotpEnrolment,
} from './service.js';
import { toSessionUser } from './presenter.js';
import { totpUri } from './totp.js';

const PENDING_LOGIN_MS = 5 * 60_000;

/** Only same-site paths: never redirect to another host after login. */
function safeReturnTo(value: string | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/account';
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err as Error) : resolve())));
}

function logIn(req: Request, user: Express.User): Promise<void> {
  // Passport 0.7 regenerates the session here: a new session id at every login.
  return new Promise((resolve, reject) => req.login(user, (err) => (err ? reject(err as Error) : resolve())));
}

async function finishLogin(req: Request, res: Response, user: Express.User, totpVerified: boolean, returnTo: string | undefined): Promise<void> {
  await logIn(req, user);
  req.session.loginAt = Date.now();
  req.session.totpVerified = totpVerified;
  if (requiresTotp(user) && !user.totpEnabled) {
    flash(req, 'info', 'auth.totpEnrolRequired');
    res.redirect('/account/totp');
    return;
  }
  res.redirect(safeReturnTo(returnTo));
}

/** The account page's view and locals; its forms show it again with their errors. */
async function accountPage(req: Request): Promise<{ view: string; values: Record<string, unknown>; locals: Record<string, unknown> }> {
  const user = await findUserById(req.user!.id);
  if (!user) throw new HttpError(404, 'errors.notFound');
  return { view: 'auth/account', values: {}, locals: { account: presentUser(user), totpMandatory: requiresTotp(user) } };
}

export function authRoutes(config: Config, limits: FormLimits): Router {
  const router = Router();
  const loginLimit = limits.login;
  const registerLimit = limits.register;

  router.get('/login', guestOnly, (_req, res) => {
    res.render('auth/login', { values: {}, errors: {} });
  });

  router.post('/login', guestOnly, loginLimit, (req: Request, res: Response, next: NextFunction) => {
    const values = safeValues(req.body);
    let input;
    try {
      input = parseForm(loginSchema, req.body);
    } catch {
      res.status(422).render('auth/login', { values, errors: { _form: 'auth.loginFailed' } });
      return;
    }
    const returnTo = req.session.returnTo;
    const authenticate = passport.authenticate('local', { session: false }, (err: unknown, user: Express.User | false, info?: PasswordInfo) => {
      if (err) return next(err);
      if (!user) {
        // Unknown email, wrong password, locked or disabled: one answer for all. The right password
        // of an account waiting for approval is told so (whoever knows it owns the account).
        res.status(401).render('auth/login', { values: { email: input.email }, errors: { _form: info?.pending ? 'auth.pendingApproval' : 'auth.loginFailed' } });
        return;
      }
      const run = async (): Promise<void> => {
        if (info?.needsTotp) {
          await regenerate(req);
          req.session.pendingLogin = { userId: user.id, at: Date.now() };
          if (returnTo) req.session.returnTo = returnTo;
          res.redirect('/login/totp');
          return;
        }
        await finishLogin(req, res, user, false, returnTo);
      };
      run().catch(next);
    }) as RequestHandler;
    authenticate(req, res, next);
  });

  router.get('/login/totp', publicAccess, (req, res) => {
    const pending = req.session.pendingLogin;
    if (!pending || Date.now() - pending.at > PENDING_LOGIN_MS) {
      res.redirect('/login');
      return;
    }
    res.render('auth/totp-login', { values: {}, errors: {} });
  });

  router.post('/login/totp', publicAccess, loginLimit, async (req, res) => {
    const pending = req.session.pendingLogin;
    if (!pending || Date.now() - pending.at > PENDING_LOGIN_MS) {
      delete req.session.pendingLogin;
      flash(req, 'error', 'auth.loginExpired');
      res.redirect('/login');
      return;
    }
    const parsed = totpLoginSchema.safeParse(req.body);
    const user = parsed.success ? await authenticateSecondFactor(pending.userId, parsed.data.code, config) : undefined;
    if (!user) {
      res.status(401).render('auth/totp-login', { values: {}, errors: { code: 'auth.totpWrong' } });
      return;
    }
    const returnTo = req.session.returnTo;
    await finishLogin(req, res, toSessionUser(user), true, returnTo);
  });

  router.post('/logout', publicAccess, async (req, res) => {
    parseForm(emptyForm, req.body);
    if (req.user) await recordLogout(req.user);
    await new Promise<void>((resolve) => req.logout(() => resolve()));
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('tracker.sid');
    res.redirect('/');
  });

  router.get('/register', guestOnly, (_req, res) => {
    res.render('auth/register', { values: {}, errors: {}, registration: config.REGISTRATION });
  });

  router.post('/register', guestOnly, registerLimit, async (req, res) => {
    if (config.REGISTRATION === 'closed') throw new HttpError(403, 'auth.registrationClosed');
    const form = { view: 'auth/register', values: safeValues(req.body), locals: { registration: config.REGISTRATION } };
    await submitForm(res, form, async () => {
      const input = parseForm(registerSchema, req.body);
      const { status } = await registerUser({ ...input, settings: config });
      flash(req, 'success', status === 'active' ? 'auth.registeredActive' : 'auth.registeredPending');
      res.redirect('/login');
    });
  });

  // ---- password reset by e-mail ------------------------------------------------------------------

  router.get('/password/forgot', guestOnly, (_req, res) => {
    res.render('auth/forgot', { values: {}, errors: {}, mail: mailEnabled(), sent: false });
  });

  router.post('/password/forgot', guestOnly, limits.passwordForgot, async (req, res) => {
    const form = { view: 'auth/forgot', values: safeValues(req.body), locals: { mail: mailEnabled(), sent: false } };
    await submitForm(res, form, async () => {
      const input = parseForm(forgotSchema, req.body);
      await requestPasswordReset(input.email);
      // The same answer whether or not the address has an account.
      res.render('auth/forgot', { values: {}, errors: {}, mail: mailEnabled(), sent: true, minutes: RESET_MINUTES });
    });
  });

  router.get('/password/reset/:token', guestOnly, async (req, res) => {
    const valid = Boolean(await resetOf(String(req.params.token)));
    res.status(valid ? 200 : 410).render('auth/reset', { values: {}, errors: {}, valid, action: `/password/reset/${String(req.params.token)}` });
  });

  router.post('/password/reset/:token', guestOnly, async (req, res) => {
    const token = String(req.params.token);
    const form = { view: 'auth/reset', values: {}, locals: { valid: true, action: `/password/reset/${token}` } };
    await submitForm(res, form, async () => {
      const input = parseForm(resetSchema, req.body);
      if (!(await resetPassword(token, input.password, config))) {
        res.status(410).render('auth/reset', { values: {}, errors: {}, valid: false, action: '' });
        return;
      }
      flash(req, 'success', 'auth.passwordReset');
      res.redirect(303, '/login');
    });
  });

  // ---- account -----------------------------------------------------------------------------------

  router.get('/account', authorize('account.manage'), async (req, res) => {
    const page = await accountPage(req);
    res.render(page.view, { ...page.locals, values: {}, errors: {} });
  });

  router.post('/account/password', authorize('account.manage'), async (req, res) => {
    await submitForm(res, await accountPage(req), async () => {
      const input = parseForm(passwordChangeSchema, req.body);
      const { changedAt, endedSessions } = await changePassword({ userId: req.user!.id, ...input, keepSessionId: req.sessionID, settings: config });
      // This session proved the new password just now; every other one has ended.
      req.session.credentialsAt = changedAt.getTime();
      flash(req, 'success', 'auth.passwordChanged');
      flash(req, 'info', endedSessions ? 'auth.otherSessionsEnded' : 'auth.noOtherSessions');
      res.redirect('/account');
    });
  });

  router.get('/account/totp', authorize('account.manage'), (req, res) => {
    if (req.user!.totpEnabled) {
      res.redirect('/account');
      return;
    }
    req.session.pendingTotpSecret ??= startTotpEnrolment();
    const secret = req.session.pendingTotpSecret;
    res.render('auth/totp-enrol', { secret, uri: totpUri(secret, req.user!.email), values: {}, errors: {} });
  });

  router.post('/account/totp', authorize('account.manage'), async (req, res) => {
    const secret = req.session.pendingTotpSecret;
    if (!secret || req.user!.totpEnabled) {
      res.redirect('/account/totp');
      return;
    }
    const form = { view: 'auth/totp-enrol', values: {}, locals: { secret, uri: totpUri(secret, req.user!.email) } };
    await submitForm(res, form, async () => {
      const input = parseForm(totpConfirmSchema, req.body);
      const codes = await confirmTotpEnrolment({ userId: req.user!.id, secret, code: input.code });
      delete req.session.pendingTotpSecret;
      req.session.totpVerified = true;
      req.session.recoveryCodes = codes;
      res.redirect('/account/recovery-codes');
    });
  });

  router.get('/account/recovery-codes', authorize('account.manage'), (req, res) => {
    const codes = req.session.recoveryCodes;
    if (!codes) {
      res.redirect('/account');
      return;
    }
    delete req.session.recoveryCodes;
    res.render('auth/recovery-codes', { codes });
  });

  router.post('/account/totp/disable', authorize('account.manage'), async (req, res) => {
    await submitForm(res, await accountPage(req), async () => {
      const input = parseForm(totpDisableSchema, req.body);
      await disableTotp({ userId: req.user!.id, currentPassword: input.currentPassword });
      req.session.totpVerified = false;
      flash(req, 'success', 'auth.totpDisabled');
      res.redirect('/account');
    });
  });

  return router;
}
