import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import type { Config, Role } from '../config.js';
import { recordAuditEvent, systemActor, userActor, type AuditActor } from '../audit/index.js';
import { HttpError, notFound } from '../http/errors.js';
import { FormValidationError } from '../http/validate.js';
import { requiresTotp } from '../policies/index.js';
import { LoginFailure, User, type UserDocument } from './model.js';
import { dummyPasswordHash, hashPassword, passwordProblem, verifyPassword } from './password.js';
import { checkTotp, hashRecoveryCode, newRecoveryCodes, newTotpSecret } from './totp.js';
import { open, seal, type Sealed } from '../vault/index.js';
import { endSessionsOf } from '../http/session.js';
import { claim, releaseClaim, takeRevision } from '../db/claims.js';
import { notifyRole } from '../notifications/service.js';

export type AuthSettings = Pick<Config, 'SCRYPT_LOG_N' | 'LOGIN_MAX_FAILURES' | 'REGISTRATION'>;

const FAILURE_WINDOW_MS = 15 * 60_000;
const BASE_LOCK_MS = 60_000;
const MAX_LOCK_MS = 60 * 60_000;

function userSubject(user: { id: string }) {
  return { type: 'user', id: user.id };
}

export async function findUserById(id: string): Promise<UserDocument | null> {
  if (!mongoose.isValidObjectId(id)) return null;
  return User.findById(id);
}

export async function assertPasswordAcceptable(password: string, field: string): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw new FormValidationError({ [field]: problem });
  await Promise.resolve();
}

// ---- registration -------------------------------------------------------------------------------

export interface RegisterProps {
  email: string;
  name: string;
  organisation: string;
  password: string;
  settings: AuthSettings;
}

/**
 * Creates a researcher account (pending approval unless registration is open). An email that is
 * already registered gets the same answer and changes nothing, so the form cannot be used to learn
 * who has an account.
 */
export async function registerUser(props: RegisterProps): Promise<{ status: 'pending' | 'active' }> {
  if (props.settings.REGISTRATION === 'closed') throw new HttpError(403, 'auth.registrationClosed');
  await assertPasswordAcceptable(props.password, 'password');
  const status = props.settings.REGISTRATION === 'open' ? 'active' : 'pending';
  const passwordHash = await hashPassword(props.password, props.settings.SCRYPT_LOG_N);
  try {
    const user = await User.create({
      email: props.email,
      name: props.name,
      organisation: props.organisation,
      roles: ['researcher'],
      status,
      passwordHash,
    });
    await recordAuditEvent({ actor: userActor({ id: user.id, roles: [] }), action: 'user.registered', subject: userSubject(user), details: { status } });
    if (status === 'pending') await notifyRole('admin', 'account.pending', '');
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
    await recordAuditEvent({ actor: { type: 'anonymous' }, action: 'user.register.duplicate', details: {} });
  }
  return { status };
}

// ---- login --------------------------------------------------------------------------------------

export type LoginResult =
  | { outcome: 'ok'; user: UserDocument; needsTotp: boolean }
  | { outcome: 'failed' }
  /** the right password of an account an administrator has not approved yet */
  | { outcome: 'pending' };

/**
 * The failures that count (within the window, since the last sign-in) and the name of their run: the
 * last sign-in and the newest failure outside the window. Failures being recorded now are inside
 * it, so attempts started at once agree on the name whatever they saw of each other's failures,
 * and number their slots alike.
 */
async function failureRun(user: UserDocument): Promise<{ count: number; last?: Date; name: string }> {
  const since = new Date(Math.max(Date.now() - FAILURE_WINDOW_MS, user.lastLoginAt?.getTime() ?? 0));
  // sanitizeFilter neutralises operators from input; these are ours, so they are marked trusted.
  const counted = await LoginFailure.find({ user: user._id, at: mongoose.trusted({ $gt: since }) }, { at: 1 }).sort({ at: 1 }).lean();
  const before = await LoginFailure.findOne({ user: user._id, at: mongoose.trusted({ $lte: since }) }, { _id: 1 }).sort({ at: -1 }).lean();
  return { count: counted.length, last: counted.at(-1)?.at, name: `${user.lastLoginAt?.getTime() ?? 0}:${before ? String(before._id) : '-'}` };
}

interface AttemptSlot {
  /** This attempt's place in the run of failures: the failure count if it fails. */
  n: number;
  /** For an attempt that did not fail (right password or code): its slot is free again. */
  release: () => Promise<void>;
}

/**
 * The lockout, decided by claims (db/claims.ts): each password or second-factor check first takes
 * one of the slots its run of failures still allows (LOGIN_MAX_FAILURES, then one per expired lock),
 * so 50 guesses sent at once get at most that many checks; the rest are refused as locked.
 */
async function takeAttemptSlot(user: UserDocument, settings: AuthSettings): Promise<AttemptSlot | { lockedUntil: Date }> {
  const run = await failureRun(user);
  const max = settings.LOGIN_MAX_FAILURES;
  const lock = lockedUntil(run.count, run.last, max);
  if (lock && lock > new Date()) return { lockedUntil: lock };
  const slots = run.count < max ? Array.from({ length: max - run.count }, (_, i) => run.count + 1 + i) : [run.count + 1];
  for (const n of slots) {
    const key = `login:${user.id}:${run.name}:${n}`;
    if (await claim(key, 'anonymous')) return { n, release: () => releaseClaim(key) };
  }
  return { lockedUntil: new Date(Date.now() + BASE_LOCK_MS) };
}

/** Lock time doubles with every failure past the limit: 1 min, 2, 4 … up to an hour. */
function lockedUntil(failures: number, last: Date | undefined, max: number): Date | undefined {
  if (failures < max || !last) return undefined;
  const ms = Math.min(BASE_LOCK_MS * 2 ** (failures - max), MAX_LOCK_MS);
  return new Date(last.getTime() + ms);
}

/** One failed attempt (password or second factor) counts towards the same lockout. */
async function recordFailure(user: UserDocument, reason: string, slot: AttemptSlot, settings: AuthSettings): Promise<void> {
  await LoginFailure.create({ user: user._id, at: new Date() });
  const after = slot.n;
  await recordAuditEvent({ actor: { type: 'anonymous' }, action: 'auth.login.failed', subject: userSubject(user), details: { reason, failures: after } });
  if (after === settings.LOGIN_MAX_FAILURES || (after > settings.LOGIN_MAX_FAILURES && after % settings.LOGIN_MAX_FAILURES === 0)) {
    await recordAuditEvent({ actor: systemActor, action: 'auth.lockout', subject: userSubject(user), details: { failures: after } });
  }
}

/**
 * Checks email and password. Unknown email, wrong password, locked, pending and disabled accounts
 * all give the caller the same 'failed' (the audit log keeps the reason), and all cost one scrypt.
 */
export async function authenticatePassword(email: string, password: string, settings: AuthSettings): Promise<LoginResult> {
  const normalised = email.trim().normalize('NFC').toLowerCase();
  const user = normalised ? await User.findOne({ email: normalised }) : null;
  if (!user) {
    await verifyPassword(password, await dummyPasswordHash(settings.SCRYPT_LOG_N));
    await recordAuditEvent({ actor: { type: 'anonymous' }, action: 'auth.login.failed', details: { reason: 'unknown-account' } });
    return { outcome: 'failed' };
  }

  const slot = await takeAttemptSlot(user, settings);
  if ('lockedUntil' in slot) {
    // The same work as an unlocked attempt on this account (the answer is ignored): timing says nothing.
    await verifyPassword(password, user.passwordHash);
    await recordAuditEvent({ actor: { type: 'anonymous' }, action: 'auth.login.locked', subject: userSubject(user), details: { until: slot.lockedUntil.toISOString() } });
    return { outcome: 'failed' };
  }

  const passwordOk = await verifyPassword(password, user.passwordHash);
  if (!passwordOk) {
    await recordFailure(user, 'wrong-password', slot, settings);
    return { outcome: 'failed' };
  }
  await slot.release();

  if (user.status !== 'active') {
    await recordAuditEvent({ actor: { type: 'anonymous' }, action: 'auth.login.failed', subject: userSubject(user), details: { reason: `status-${user.status}` } });
    // Only someone who knows the password learns that the account waits for approval.
    return { outcome: user.status === 'pending' ? 'pending' : 'failed' };
  }

  const needsTotp = Boolean(user.totp?.enabledAt);
  if (!needsTotp) await completeLogin(user, 'password');
  return { outcome: 'ok', user, needsTotp };
}

async function completeLogin(user: UserDocument, method: string): Promise<void> {
  await User.updateOne({ _id: user._id }, { $set: { lastLoginAt: new Date() } });
  await recordAuditEvent({ actor: userActor({ id: user.id, roles: user.roles }), action: 'auth.login', subject: userSubject(user), details: { method } });
}

/** The claim that spends one time step of one TOTP secret (a new secret starts afresh). */
function totpStepKey(userId: string, secret: Sealed | string, step: number): string {
  const plain = typeof secret === 'string' ? secret : open(secret);
  return `totp:${userId}:${createHash('sha256').update(plain).digest('hex').slice(0, 16)}:${step}`;
}

/** Second step: a TOTP code (not replayable) or an unused recovery code, which is then spent. */
export async function authenticateSecondFactor(userId: string, code: string, settings: AuthSettings): Promise<UserDocument | undefined> {
  const user = await findUserById(userId);
  if (!user || user.status !== 'active' || !user.totp?.secret?.ct || !user.totp.enabledAt) return undefined;
  // Wrong codes count like wrong passwords: the same lockout holds here, with the same answer.
  const slot = await takeAttemptSlot(user, settings);
  if ('lockedUntil' in slot) {
    await recordAuditEvent({ actor: { type: 'anonymous' }, action: 'auth.login.locked', subject: userSubject(user), details: { until: slot.lockedUntil.toISOString(), step: 'second-factor' } });
    return undefined;
  }
  const step = await checkTotp(open(user.totp.secret as Sealed), code, user.totp.lastStep);
  // Each time step signs in once: the claim decides it (see db/claims.ts), not an update's filter.
  if (step !== undefined && (await claim(totpStepKey(user.id, user.totp.secret as Sealed, step), user.id))) {
    // Bookkeeping only (older steps are refused by checkTotp); a lost concurrent update cannot reopen a step.
    await User.updateOne({ _id: user._id }, { $set: { 'totp.lastStep': step } });
    await slot.release();
    await completeLogin(user, 'totp');
    return user;
  }
  const hash = hashRecoveryCode(code);
  if (user.recoveryCodeHashes.includes(hash) && (await claim(`recovery:${user.id}:${hash}`, user.id))) {
    await User.updateOne({ _id: user._id }, { $pull: { recoveryCodeHashes: hash } });
    await slot.release();
    await completeLogin(user, 'recovery-code');
    return user;
  }
  await recordFailure(user, 'wrong-second-factor', slot, settings);
  return undefined;
}

export async function recordLogout(user: Express.User): Promise<void> {
  await recordAuditEvent({ actor: userActor(user), action: 'auth.logout', subject: userSubject(user) });
}

// ---- account ------------------------------------------------------------------------------------

/**
 * Changes the password; every other session of the account ends (deserialisation refuses sessions
 * whose credentials predate `passwordChangedAt`, and their records are deleted). Returns the time
 * the calling session must carry to stay signed in, and how many other sessions were ended.
 */
export async function changePassword(props: { userId: string; currentPassword: string; newPassword: string; keepSessionId: string; settings: AuthSettings }): Promise<{ changedAt: Date; endedSessions: number }> {
  const user = await findUserById(props.userId);
  if (!user) throw notFound();
  if (!(await verifyPassword(props.currentPassword, user.passwordHash))) {
    throw new FormValidationError({ currentPassword: 'auth.currentPasswordWrong' });
  }
  await assertPasswordAcceptable(props.newPassword, 'newPassword');
  // One change per password: the stored hash (random salt) names the password being replaced, so
  // changes sent at once cannot both be confirmed while only the last one holds.
  const hashName = (hash: string) => createHash('sha256').update(hash).digest('hex').slice(0, 32);
  const from = hashName(user.passwordHash);
  const replaced = async () => hashName((await User.findById(user._id, { passwordHash: 1 }).lean())?.passwordHash ?? '') !== from;
  const release = await takeRevision(`user:${user.id}:password:${from}`, 0, user.id, async () => ((await replaced()) ? 1 : 0));
  const passwordHash = await hashPassword(props.newPassword, props.settings.SCRYPT_LOG_N).catch(async (err: unknown) => {
    await release();
    throw err;
  });
  const changedAt = new Date();
  await User.updateOne({ _id: user._id }, { $set: { passwordHash, passwordChangedAt: changedAt, passwordChangedBySession: sessionFingerprint(props.keepSessionId) } });
  const endedSessions = await endSessionsOf(user.id, props.keepSessionId);
  await recordAuditEvent({ actor: userActor({ id: user.id, roles: user.roles }), action: 'user.password.changed', subject: userSubject(user), details: { endedSessions } });
  return { changedAt, endedSessions };
}

export function sessionFingerprint(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 32);
}

/**
 * Whether a session that proved its credentials at `credentialsAt` (ms) still holds for the user:
 * signed in since the last password change, or the session that made that change.
 */
export function sessionStillValid(user: Pick<UserDocument, 'passwordChangedAt' | 'passwordChangedBySession'>, credentialsAt: number | undefined, sessionId?: string): boolean {
  if (!user.passwordChangedAt) return true;
  if (sessionId && user.passwordChangedBySession && sessionFingerprint(sessionId) === user.passwordChangedBySession) return true;
  return (credentialsAt ?? 0) >= user.passwordChangedAt.getTime();
}

export function startTotpEnrolment(): string {
  return newTotpSecret();
}

/** Enables TOTP once the user proves the app works with a code; returns recovery codes to show once. */
export async function confirmTotpEnrolment(props: { userId: string; secret: string; code: string }): Promise<string[]> {
  const user = await findUserById(props.userId);
  if (!user) throw notFound();
  const step = await checkTotp(props.secret, props.code);
  if (step === undefined) throw new FormValidationError({ code: 'auth.totpWrong' });
  const sealedSecret = seal(props.secret);
  // The enrolment code's step is spent too: it cannot sign in afterwards.
  if (!(await claim(totpStepKey(user.id, props.secret, step), user.id))) throw new FormValidationError({ code: 'auth.totpWrong' });
  const { codes, hashes } = newRecoveryCodes();
  await User.updateOne(
    { _id: user._id },
    { $set: { totp: { secret: sealedSecret, enabledAt: new Date(), lastStep: step }, recoveryCodeHashes: hashes } },
  );
  await recordAuditEvent({ actor: userActor({ id: user.id, roles: user.roles }), action: 'user.totp.enrolled', subject: userSubject(user) });
  return codes;
}

export async function disableTotp(props: { userId: string; currentPassword: string }): Promise<void> {
  const user = await findUserById(props.userId);
  if (!user) throw notFound();
  if (requiresTotp(user)) throw new HttpError(403, 'auth.totpMandatory');
  if (!(await verifyPassword(props.currentPassword, user.passwordHash))) {
    throw new FormValidationError({ currentPassword: 'auth.currentPasswordWrong' });
  }
  await User.updateOne({ _id: user._id }, { $unset: { totp: 1 }, $set: { recoveryCodeHashes: [] } });
  await recordAuditEvent({ actor: userActor({ id: user.id, roles: user.roles }), action: 'user.totp.disabled', subject: userSubject(user) });
}

// ---- administration -----------------------------------------------------------------------------

async function adminTarget(actor: AuditActor, userId: string): Promise<UserDocument> {
  const user = await findUserById(userId);
  if (!user) throw notFound();
  if (actor.id && actor.id === user.id) throw new HttpError(409, 'admin.notOnYourself');
  return user;
}

/**
 * Approval, disabling and role changes each start from the account's revision as read; one change
 * per revision happens (db/claims.ts), so two administrators acting at once cannot both "approve"
 * or overwrite each other's roles unseen: the later one gets 409 and changes nothing.
 */
async function changeAccount(actor: AuditActor, user: UserDocument, set: Record<string, unknown>): Promise<void> {
  await takeRevision(`user:${user.id}`, user.revision, actor.id ?? actor.type, async () => (await User.findById(user._id, { revision: 1 }).lean())?.revision);
  await User.updateOne({ _id: user._id }, { $set: { ...set, revision: user.revision + 1 } });
}

export async function approveUser(actor: AuditActor, userId: string): Promise<void> {
  const user = await adminTarget(actor, userId);
  if (user.status !== 'pending') throw new HttpError(409, 'admin.notPending');
  await changeAccount(actor, user, { status: 'active', approvedAt: new Date() });
  await recordAuditEvent({ actor, action: 'user.approved', subject: userSubject(user) });
}

export async function disableUser(actor: AuditActor, userId: string): Promise<void> {
  const user = await adminTarget(actor, userId);
  if (user.status === 'disabled') return;
  await changeAccount(actor, user, { status: 'disabled' });
  await recordAuditEvent({ actor, action: 'user.disabled', subject: userSubject(user), details: { previousStatus: user.status } });
}

export async function setUserRoles(actor: AuditActor, userId: string, roles: Role[]): Promise<void> {
  const user = await adminTarget(actor, userId);
  if (roles.length === 0) throw new FormValidationError({ roles: 'admin.atLeastOneRole' });
  const before = [...user.roles].sort();
  const after = [...roles].sort();
  if (before.join() === after.join()) return;
  await changeAccount(actor, user, { roles: after });
  await recordAuditEvent({ actor, action: 'user.roles.changed', subject: userSubject(user), details: { before, after } });
}

export async function listUsers(filter: { status?: 'pending' | 'active' | 'disabled' }): Promise<UserDocument[]> {
  const query = filter.status ? { status: filter.status } : {};
  return User.find(query).sort({ status: 1, createdAt: -1 }).limit(500);
}

/** Operators' bootstrap (CLI): an active user; a TOTP secret is enrolled when a role requires it. */
export async function createActiveUser(props: {
  email: string;
  name: string;
  organisation?: string;
  roles: Role[];
  password: string;
  settings: AuthSettings;
  actor: AuditActor;
}): Promise<{ user: UserDocument; totpSecret: string | null }> {
  const problem = passwordProblem(props.password);
  if (problem) throw new FormValidationError({ password: problem });
  const totpSecret = requiresTotp({ roles: props.roles }) ? newTotpSecret() : null;
  const user = await User.create({
    email: props.email,
    name: props.name,
    organisation: props.organisation ?? '',
    roles: props.roles,
    status: 'active',
    approvedAt: new Date(),
    passwordHash: await hashPassword(props.password, props.settings.SCRYPT_LOG_N),
    ...(totpSecret ? { totp: { secret: seal(totpSecret), enabledAt: new Date() } } : {}),
  });
  await recordAuditEvent({ actor: props.actor, action: 'user.created', subject: userSubject(user), details: { roles: props.roles, totp: Boolean(totpSecret) } });
  return { user, totpSecret };
}
