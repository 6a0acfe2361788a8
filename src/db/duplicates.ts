import type { Collection, Document } from 'mongodb';

/** Whether a write was refused only because its unique key is taken (E11000): how a unique insert decides. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

/**
 * For an unordered bulk write in which a refused insert is expected (a versioned upsert that met a
 * newer document, a row written meanwhile): throws the error unless every write it refused was
 * refused for a taken key; the other writes went through.
 */
export function unlessOnlyDuplicates(err: unknown): void {
  const errors = (err as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
  const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
  if (!list.length || !list.every(isDuplicateKey)) throw err;
}

/**
 * Replaces each document (by `_id`, upserting a new one) only where the stored one matches `older`
 * (it holds an older version): where a newer one is stored, the filter matches nothing, the upsert's
 * insert meets the `_id` already there and is refused, and the other writes go on. So writes of
 * one document arriving out of order, from processes that learnt more or less, leave the newest.
 */
export async function replaceUnlessNewer(collection: Collection, writes: readonly { _id: unknown; older: Document; replacement: Document }[]): Promise<void> {
  if (!writes.length) return;
  try {
    await collection.bulkWrite(
      writes.map(({ _id, older, replacement }) => ({ replaceOne: { filter: { _id: _id as never, ...older }, replacement, upsert: true } })),
      { ordered: false },
    );
  } catch (err) {
    unlessOnlyDuplicates(err);
  }
}
