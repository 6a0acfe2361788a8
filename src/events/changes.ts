import { randomUUID } from 'node:crypto';
import mongoose, { Schema } from 'mongoose';

/**
 * The change log: one record per domain event (events/index.ts: incidents written, entities edited,
 * other public data touched, everything replaced by a seed), numbered 1, 2, 3 … without gaps.
 * Other app processes, and this one after a restart from its snapshot, apply the changes after the
 * last one they applied instead of reloading every incident.
 *
 * Each record's `_id` is its number as a zero-padded string: the embedded engine pushes down (and,
 * with the patched build, indexes) only a lone `_id` equality on a string or an ObjectId, so every
 * read here is one indexed lookup. Numbers are taken by unique insert (never by `$inc`: FerretDB
 * 1.24 loses concurrent updates); the `nonce` tells a record from one with the same number in a
 * database that was replaced since (a restore, a reset).
 */
const changeSchema = new Schema(
  {
    _id: { type: String, required: true },
    incidents: { type: [Schema.Types.ObjectId], default: [] },
    entities: { type: Boolean, default: false },
    touched: { type: Boolean, default: false },
    replaced: { type: Boolean, default: false },
    nonce: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'cataloguechanges' },
);
export const CatalogueChange = mongoose.model('CatalogueChange', changeSchema);

export interface Change {
  seq: number;
  incidents: string[];
  entities: boolean;
  touched: boolean;
  replaced: boolean;
  nonce: string;
}

const idOf = (seq: number) => String(seq).padStart(12, '0');

export async function changeAt(seq: number): Promise<Change | undefined> {
  if (seq < 1) return undefined;
  const doc = await CatalogueChange.findById(idOf(seq)).lean();
  if (!doc) return undefined;
  return { seq, incidents: (doc.incidents ?? []).map(String), entities: Boolean(doc.entities), touched: Boolean(doc.touched), replaced: Boolean(doc.replaced), nonce: doc.nonce };
}

/** The number of the last change, found by lookups of single numbers (doubling, then halving): no scan. */
export async function lastChangeSeq(from = 0): Promise<number> {
  let known = from; // a number known to exist (0: none)
  let step = 1;
  while (await changeAt(known + step)) {
    known += step;
    step *= 2;
  }
  // known exists, known + step does not: halve the gap.
  let missing = known + step;
  while (missing - known > 1) {
    const mid = Math.floor((known + missing) / 2);
    if (await changeAt(mid)) known = mid;
    else missing = mid;
  }
  return known;
}

let hint = 0;

/** Appends a change with the next free number (a refused number was taken by another process: try the next). */
export async function recordChange(change: Partial<Pick<Change, 'incidents' | 'entities' | 'touched' | 'replaced'>>): Promise<Change> {
  let seq = (await lastChangeSeq(hint)) + 1;
  for (let attempt = 0; attempt < 1_000; attempt++, seq++) {
    const nonce = randomUUID();
    try {
      await CatalogueChange.create({ _id: idOf(seq), incidents: change.incidents ?? [], entities: change.entities ?? false, touched: change.touched ?? false, replaced: change.replaced ?? false, nonce, at: new Date() });
      hint = seq;
      return { seq, incidents: (change.incidents ?? []).map(String), entities: change.entities ?? false, touched: change.touched ?? false, replaced: change.replaced ?? false, nonce };
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }
  throw new Error('catalogue change log: no free number');
}

/** Tests empty the database between cases. */
export function forgetChangeSeq(): void {
  hint = 0;
}
