import mongoose, { Schema } from 'mongoose';
import { verifySignature, type Signer } from '../signing/index.js';
import { canonicalJson } from './canonical.js';
import { AuditEvent } from './model.js';
import { verifyAuditChain, type ChainVerification } from './service.js';

/**
 * A checkpoint pins the chain's length and head hash at a moment, signed with the site's key.
 * Kept outside the database, it exposes what the chain alone cannot: a truncated tail, or a chain
 * rewritten with recomputed hashes.
 */
export interface Checkpoint {
  version: 1;
  count: number;
  headSeq: number;
  headHash: string;
  createdAt: string;
  keyId: string;
  signature: string;
}

type Unsigned = Omit<Checkpoint, 'signature'>;

function signedPart(c: Unsigned | Checkpoint): string {
  const { version, count, headSeq, headHash, createdAt, keyId } = c;
  return canonicalJson({ version, count, headSeq, headHash, createdAt, keyId });
}

const checkpointSchema = new Schema({ at: { type: Date, required: true }, checkpoint: { type: Schema.Types.Mixed, required: true } }, { versionKey: false });
checkpointSchema.index({ at: -1 });
export const StoredCheckpoint = mongoose.model('Checkpoint', checkpointSchema);

export class ChainBrokenError extends Error {}

/** Signs the current head. Refuses to pin a chain that does not verify. */
export async function createCheckpoint(signer: Signer): Promise<Checkpoint> {
  const chain = await verifyAuditChain();
  if (!chain.ok) throw new ChainBrokenError(`the chain is broken at seq ${chain.brokenSeq}: ${chain.reason}`);
  const unsigned: Unsigned = { version: 1, count: chain.count, headSeq: chain.headSeq, headHash: chain.headHash, createdAt: new Date().toISOString(), keyId: signer.keyId };
  const checkpoint: Checkpoint = { ...unsigned, signature: signer.sign(signedPart(unsigned)) };
  await StoredCheckpoint.create({ at: new Date(), checkpoint });
  return checkpoint;
}

export async function latestCheckpoint(): Promise<Checkpoint | undefined> {
  const doc = await StoredCheckpoint.findOne({}).sort({ at: -1 }).lean();
  return doc?.checkpoint as Checkpoint | undefined;
}

export function checkpointSignatureValid(checkpoint: Checkpoint, publicKeyPem: string): boolean {
  return verifySignature(publicKeyPem, signedPart(checkpoint), checkpoint.signature);
}

export type CheckpointVerification = ChainVerification & { checkpoint?: 'ok' | 'bad signature' | 'not reached' | 'truncated' | 'rewritten' };

/** The chain's own verification, then the checkpoint's: signature, length, and the pinned head. */
export async function verifyAgainstCheckpoint(checkpoint: Checkpoint, publicKeyPem: string): Promise<CheckpointVerification> {
  if (!checkpointSignatureValid(checkpoint, publicKeyPem)) {
    return { ok: false, count: 0, brokenSeq: 0, reason: 'the checkpoint’s signature is not valid for this key', checkpoint: 'bad signature' };
  }
  const chain = await verifyAuditChain();
  if (!chain.ok) return { ...chain, checkpoint: 'not reached' };
  if (chain.count < checkpoint.count) {
    return { ok: false, count: chain.count, brokenSeq: chain.count + 1, reason: `truncated: the checkpoint recorded ${checkpoint.count} events, the chain has ${chain.count}`, checkpoint: 'truncated' };
  }
  const pinned = await AuditEvent.findById(checkpoint.headSeq, { hash: 1 }).lean();
  if (!pinned || pinned.hash !== checkpoint.headHash) {
    // The chain links up, yet differs at the pinned event: it was rewritten (at this seq or before).
    return { ok: false, count: chain.count, brokenSeq: checkpoint.headSeq, reason: `rewritten: event ${checkpoint.headSeq} does not match the checkpoint (the chain was rewritten at or before it)`, checkpoint: 'rewritten' };
  }
  return { ...chain, checkpoint: 'ok' };
}
