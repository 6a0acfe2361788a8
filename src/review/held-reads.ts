import { BSON } from 'mongodb';
import { SIGNED_IN_HOLD_MS } from '../auth/held-accounts.js';
import { heldUntilWritten, type HeldReads } from '../db/held.js';

/**
 * What the staff's pages read of the smaller collections (a report, its messages, files, notes and
 * possible duplicates; an incident's reviews, evidence and notes; the report queue), held for
 * SIGNED_IN_HOLD_MS. On the embedded engine each read is a round trip that the engine answers one
 * after another: five of them made a report page take 80 ms under load, whatever else it did.
 *
 * Dropped whenever this process writes to any of these collections (db/held.ts), so what a reviewer
 * just did shows on the next page at once; another process's write (a second app on a shared
 * MONGODB_URI, the CLI) shows within the hold, as for accounts. Kept by subject, never by person:
 * every request still checks who may see it before anything is shown.
 */
const held = heldUntilWritten<Uint8Array>(SIGNED_IN_HOLD_MS, ['reports', 'reportmessages', 'evidences', 'staffnotes', 'claims', 'reviews', 'users', 'incidents'], 2_000);

/**
 * The report queue reads its own rows (reports/queue.ts; the reports themselves until a first
 * rebuild): held apart, so that the staff's other writes (an approval, a claim, a note) do not drop
 * it; a write of a report or of a row does.
 */
const queueHeld = heldUntilWritten<Uint8Array>(SIGNED_IN_HOLD_MS, ['reports', 'reportqueue'], 50);

/**
 * `read()`'s answer, held as BSON bytes under `key` and decoded for each caller (a fresh copy: no
 * request sees another's changes). Mongoose documents are held as their plain objects.
 */
export function heldPageRead<V>(key: string, read: () => Promise<V>): Promise<V> {
  return readHeld(held, key, read);
}

/** As `heldPageRead`, for a read of the reports collection only (the queue), dropped by report writes only. */
export function heldQueueRead<V>(key: string, read: () => Promise<V>): Promise<V> {
  return readHeld(queueHeld, key, read);
}

async function readHeld<V>(from: HeldReads<Uint8Array>, key: string, read: () => Promise<V>): Promise<V> {
  const bytes = await from.get(key, async () => BSON.serialize({ value: await read() }, { ignoreUndefined: true }));
  return BSON.deserialize(bytes).value as V;
}
