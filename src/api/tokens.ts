import { createHash, randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { recordAuditEvent, type AuditActor } from '../audit/index.js';
import { User } from '../auth/model.js';
import { claimAct } from '../db/claims.js';
import { notFound } from '../http/errors.js';
import { can, type Actor } from '../policies/index.js';
import { ApiToken, type ApiTokenDocument } from './model.js';

const PREFIX = 'sit_';

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a token for the user; the plaintext is returned once and never stored. */
export async function createApiToken(actor: AuditActor & { id: string }, name: string): Promise<{ token: string; record: ApiTokenDocument }> {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const record = await ApiToken.create({ user: actor.id, name, prefix: token.slice(0, 10), hash: hashOf(token), scope: 'read', createdAt: new Date() });
  await recordAuditEvent({ actor, action: 'api.token.create', subject: { type: 'api-token', id: String(record._id) }, details: { name, prefix: record.prefix, scope: 'read' } });
  return { token, record };
}

export async function listApiTokens(userId: string) {
  return ApiToken.find({ user: new mongoose.Types.ObjectId(userId) }, { hash: 0 }).sort({ createdAt: -1 }).lean();
}

export async function revokeApiToken(actor: AuditActor & { id: string }, tokenId: string): Promise<void> {
  if (!mongoose.isValidObjectId(tokenId)) throw notFound();
  const token = await ApiToken.findOne({ _id: tokenId, user: actor.id });
  if (!token) throw notFound();
  if (token.revokedAt) return;
  // Revoked once (db/claims.ts): revocations sent at once leave one time and one audit event; a
  // revocation whose request died before its write is taken over (claimAct), never left half-done.
  const revoked = async () => Boolean((await ApiToken.findById(token._id, { revokedAt: 1 }).lean())?.revokedAt);
  if (!(await claimAct(`api-token:${tokenId}:revoked`, actor.id, revoked))) return;
  await ApiToken.updateOne({ _id: token._id }, { $set: { revokedAt: new Date() } });
  await recordAuditEvent({ actor, action: 'api.token.revoke', subject: { type: 'api-token', id: tokenId }, details: { prefix: token.prefix } });
}

/**
 * The token's owner, if the token is known, not revoked, and its owner is still active and still
 * allowed API tokens (a role taken away takes the token's reach away with it).
 */
export async function authenticateApiToken(token: string): Promise<{ token: ApiTokenDocument; actor: Actor } | undefined> {
  if (!token.startsWith(PREFIX) || token.length > 100) return undefined;
  const record = await ApiToken.findOne({ hash: hashOf(token) });
  if (!record || record.revokedAt) return undefined;
  const user = await User.findById(record.user, { roles: 1, status: 1 }).lean();
  if (!user) return undefined;
  const actor: Actor = { id: String(user._id), roles: user.roles, status: user.status };
  return can(actor, 'api.tokens') ? { token: record, actor } : undefined;
}
