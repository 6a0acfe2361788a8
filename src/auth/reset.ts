import { createHash, randomBytes } from 'node:crypto';
import mongoose, { Schema } from 'mongoose';
import { recordAuditEvent, userActor } from '../audit/index.js';
import { claim } from '../db/claims.js';
import { endSessionsOf } from '../http/session.js';
import { mailEnabled, queueSecretMail } from '../notifications/service.js';
import { User } from './model.js';
import { hashPassword } from './password.js';
import { assertPasswordAcceptable, type AuthSettings } from './service.js';

/**
 * Password reset by e-mail: a random token, sent once, stored only as its SHA-256 (the `_id`), valid
 * 30 minutes and used once (the claim decides: two tabs cannot both use it). The page answers the
 * same for an unknown address, a pending or disabled account and a known one.
 */
const resetSchema = new Schema(
  { _id: { type: String, required: true }, user: { type: Schema.Types.ObjectId, ref: 'User', required: true }, expiresAt: { type: Date, required: true } },
  { timestamps: true, versionKey: false },
);
export const PasswordReset = mongoose.model('PasswordReset', resetSchema);

export const RESET_MINUTES = 30;
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export async function requestPasswordReset(email: string): Promise<void> {
  const user = await User.findOne({ email: email.trim().normalize('NFC').toLowerCase() }, { status: 1, roles: 1 }).lean();
  if (!user || user.status !== 'active' || !mailEnabled()) {
    await recordAuditEvent({ actor: { type: 'anonymous' }, action: 'auth.reset.requested', details: { sent: false } });
    return;
  }
  const token = randomBytes(32).toString('base64url');
  await PasswordReset.create({ _id: hashOf(token), user: user._id, expiresAt: new Date(Date.now() + RESET_MINUTES * 60_000) });
  await queueSecretMail(String(user._id), 'password.reset', token);
  await recordAuditEvent({ actor: { type: 'anonymous' }, action: 'auth.reset.requested', subject: { type: 'user', id: String(user._id) }, details: { sent: true } });
}

/** The reset a token opens, if it is unused and not expired. */
export async function resetOf(token: string): Promise<{ user: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const reset = await PasswordReset.findById(hashOf(token)).lean();
  if (!reset || reset.expiresAt.getTime() < Date.now()) return undefined;
  return { user: String(reset.user) };
}

/** Sets the new password and ends every session of the account; false when the link is used or expired. */
export async function resetPassword(token: string, password: string, settings: AuthSettings): Promise<boolean> {
  const reset = await resetOf(token);
  if (!reset) return false;
  await assertPasswordAcceptable(password, 'password');
  const hash = hashOf(token);
  if (!(await claim(`password-reset:${hash}`, reset.user))) return false;
  const passwordHash = await hashPassword(password, settings.SCRYPT_LOG_N);
  await User.updateOne({ _id: reset.user }, { $set: { passwordHash, passwordChangedAt: new Date(), passwordChangedBySession: '' } });
  await PasswordReset.deleteOne({ _id: hash });
  const endedSessions = await endSessionsOf(reset.user, '');
  const user = await User.findById(reset.user, { roles: 1 }).lean();
  await recordAuditEvent({ actor: userActor({ id: reset.user, roles: user?.roles ?? [] }), action: 'user.password.reset', subject: { type: 'user', id: reset.user }, details: { endedSessions } });
  return true;
}
