import mongoose, { Schema } from 'mongoose';
import { isDuplicateKey } from './duplicates.js';
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
 * Numbered claims `<prefix>:1`, `<prefix>:2`, … taken in order: `by` takes the first free number (a
 * list of things, each numbered once, with no counter to lose an update). With `keepOwn`, a number
 * `by` holds already is kept instead, and the holders of every number up to it are returned (the
 * approvals of a round); without it, only `by`.
 */
export async function claimNextNumber(prefix: string, by: string, keepOwn = false): Promise<string[]> {
  const before: string[] = [];
  for (let n = 1; n <= 10_000; n++) {
    const key = `${prefix}:${n}`;
    if (await claim(key, by)) return [...before, by];
    if (!keepOwn) continue;
    const holder = (await Claim.findById(key, { by: 1 }).lean())?.by ?? '';
    if (holder === by) return [...before, by];
    before.push(holder);
  }
  throw new Error(`numbers under ${prefix} exhausted`);
}

/** Who holds each numbered claim under `prefix`, in order (read by `_id` until the first free number). */
export async function numberedHolders(prefix: string): Promise<string[]> {
  const holders: string[] = [];
  for (let n = 1; ; n++) {
    const held = await Claim.findById(`${prefix}:${n}`, { by: 1 }).lean();
    if (!held) return holders;
    holders.push(held.by);
  }
}

/**
 * A claim that guards a change still to be written (a status, a revocation) can outlive its winner:
 * a crash between the claim and the write leaves the claim taken and the change never made, and
 * every later attempt would be refused forever. `claimAct` is claim() for such acts: when `key` is
 * held, is older than `staleMs` and `landed()` says its change is absent, the holder died half-way,
 * and the act may be taken over — by a claim again (`key~1`, `key~2`, …), so of many requests that
 * find it stale exactly one takes over. Returns the key won (to release it if the act then fails),
 * or undefined when another request holds the act or its change is there.
 *
 * Why two minutes: every guarded act writes within a second of its claim; one that has not written
 * after two minutes is gone (its process was killed). A request merely that slow would write its
 * change after the takeover's; the audit log then shows both.
 */
export const STALE_CLAIM_MS = 120_000;
const MAX_TAKEOVERS = 20;

/**
 * When this process is the only writer (it owns the embedded engine: one app per DATA_DIR), a claim
 * taken before the app started, or before its engine was restarted, has no living holder: the
 * request that took it died with the process or lost its engine. Such a claim is stale at once, so a
 * reviewer who sends an approval again after a crash completes the round instead of waiting two
 * minutes. Never set for a shared MONGODB_URI (other processes may hold claims).
 */
let holdersGoneBefore = 0;
export function claimHoldersGone(at = new Date()): void {
  holdersGoneBefore = Math.max(holdersGoneBefore, at.getTime());
}


export async function claimAct(key: string, by: string, landed: () => Promise<boolean>, staleMs = STALE_CLAIM_MS): Promise<string | undefined> {
  for (let n = 0; n < MAX_TAKEOVERS; n++) {
    const link = n === 0 ? key : `${key}~${n}`;
    if (await claim(link, by)) return link;
    const held = await Claim.findById(link, { at: 1 }).lean();
    // Released meanwhile (its act failed and gave it back): try it again.
    if (!held) return (await claim(link, by)) ? link : undefined;
    const stale = Date.now() - held.at.getTime() >= staleMs || held.at.getTime() < holdersGoneBefore;
    if (!stale || (await landed())) return undefined;
  }
  return undefined;
}

/**
 * The one change allowed from revision `revision` of a record (a report's status, an account's roles,
 * an evidence file's classification): whoever wins `<subject>:rev:<n>` writes revision n + 1; the
 * others read a record that changed under them and are told so (409), whatever they meant to do.
 * `current` reads the record's revision now: a claim whose winner died before writing n + 1 is
 * taken over (claimAct).
 */
export function revisionKey(subject: string, revision: number): string {
  return `${subject}:rev:${revision}`;
}

/**
 * The revision's claim, or 409 "changed meanwhile". Returns the release for a winner whose act then
 * failed (nothing of it was written), so the record can be changed from that revision again.
 */
export async function takeRevision(subject: string, revision: number, by: string, current: () => Promise<number | undefined>, refused = 'errors.changedMeanwhile'): Promise<() => Promise<void>> {
  const won = await claimAct(revisionKey(subject, revision), by, async () => (await current()) !== revision);
  if (!won) throw new HttpError(409, refused);
  return () => releaseClaim(won);
}
