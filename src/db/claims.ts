import mongoose, { Schema } from 'mongoose';
import { HttpError } from '../http/errors.js';

/**
 * One rule for every check-then-act ("use this code once", "move this report out of triaged once"):
 * the winner is decided by inserting a claim whose `_id` names the act. Why not a conditional update
 * (`{_id, used: false}` → `$set used: true`): the embedded FerretDB 1.24 makes no single-document
 * update atomic — raced 50 ways, such an update "succeeded" 11–44 times — while a duplicate `_id`
 * insert is refused on every engine (MongoDB makes both hold; this holds on both).
 *
 * A claim is the decision; the state change that follows it (a `$set`, a `$pull`) is bookkeeping
 * that no one else will attempt, because no one else won the claim. Claims are never deleted: they
 * are the record of which act won.
 */
const claimSchema = new Schema(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    /** Who won (a user id, or "anonymous"/"system"), for the record. */
    by: { type: String, default: '' },
  },
  { versionKey: false },
);

export const Claim = mongoose.model('Claim', claimSchema);

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

/** Tries to take `key` once and for all: true for the one caller that inserted it, false for all others. */
export async function claim(key: string, by = ''): Promise<boolean> {
  try {
    await Claim.create({ _id: key, at: new Date(), by });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** Gives a claim back: only by the winner whose act then failed (nothing of it happened). */
export async function releaseClaim(key: string): Promise<void> {
  await Claim.deleteOne({ _id: key });
}

/** Whether `key` was already taken (for display; never to decide: that is claim()'s job). */
export async function claimed(key: string): Promise<boolean> {
  return Boolean(await Claim.exists({ _id: key }));
}

/**
 * The one change allowed from revision `revision` of a record (a report's status, an account's roles,
 * an evidence file's classification): whoever wins `<subject>:rev:<n>` writes revision n + 1; the
 * others read a record that changed under them and are told so (409), whatever they meant to do.
 */
export function claimRevision(subject: string, revision: number, by = ''): Promise<boolean> {
  return claim(revisionKey(subject, revision), by);
}

export function revisionKey(subject: string, revision: number): string {
  return `${subject}:rev:${revision}`;
}

/**
 * claimRevision, or 409 "changed meanwhile". Returns the release for a winner whose act then failed
 * (nothing of it was written), so the record can be changed from that revision again.
 */
export async function takeRevision(subject: string, revision: number, by = '', refused = 'errors.changedMeanwhile'): Promise<() => Promise<void>> {
  if (!(await claimRevision(subject, revision, by))) throw new HttpError(409, refused);
  return () => releaseClaim(revisionKey(subject, revision));
}
