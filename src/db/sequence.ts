import type { Model } from 'mongoose';
import { isDuplicateKey } from './duplicates.js';

/**
 * The highest number this process knows to be taken, per model, prefix and year. Read from the
 * collection once (a sorted scan: seconds at 100,000 documents on the embedded engine), then kept
 * up to date by this process's own inserts and by the refusals of numbers others took.
 */
const lastTaken = new Map<string, number>();

/** After more refusals than this in a row, the hint is far behind (another process wrote many): read it again. */
const REREAD_AFTER = 5;

async function readLast(model: Model<never>, year: number): Promise<number> {
  const last = await model.findOne({ refYear: year }, { refSeq: 1 }).sort({ refSeq: -1 }).lean<{ refSeq?: number }>();
  return last?.refSeq ?? 0;
}

function keyOf(model: Model<never>, prefix: string, year: number): string {
  return `${model.modelName}:${prefix}:${year}`;
}

async function hint(model: Model<never>, key: string, year: number): Promise<number> {
  if (!lastTaken.has(key)) lastTaken.set(key, await readLast(model, year));
  return lastTaken.get(key)!;
}

function taken(key: string, seq: number): void {
  if (seq > (lastTaken.get(key) ?? 0)) lastTaken.set(key, seq);
}

const refOf = (prefix: string, year: number, seq: number) => `${prefix}-${year}-${String(seq).padStart(5, '0')}`;

/**
 * Inserts a document numbered `<prefix>-<year>-<NNNNN>`, gap-free per year under concurrency:
 * try the number after the highest known and insert; the unique index on `ref` refuses a number
 * someone else took meanwhile, and we try the next. No counter document: FerretDB 1.24 loses
 * concurrent `$inc` updates, while unique-index inserts hold on every engine. The highest number is
 * kept in memory (`lastTaken`), so a write does not scan the collection (a full scan on the
 * embedded engine); a number another process took is learnt from the refusal.
 */
export async function insertWithNextRef<T>(
  model: Model<T>,
  prefix: string,
  build: (ref: string, year: number, seq: number) => Record<string, unknown>,
  now = new Date(),
): Promise<InstanceType<Model<T>>> {
  const [doc] = await insertManyWithNextRefs(model, prefix, [build], now);
  return doc!;
}

/**
 * Inserts several documents numbered like `insertWithNextRef`, in one insert command per attempt
 * (an import of a thousand rows is a handful of round trips, not a thousand). The documents get
 * consecutive free numbers in the order given, except where another writer took a number
 * meanwhile: those are numbered again after the others. Returns them in the order given.
 */
export async function insertManyWithNextRefs<T>(
  model: Model<T>,
  prefix: string,
  builds: ((ref: string, year: number, seq: number) => Record<string, unknown>)[],
  now = new Date(),
): Promise<InstanceType<Model<T>>[]> {
  const m = model as unknown as Model<never>;
  const year = now.getUTCFullYear();
  const key = keyOf(m, prefix, year);
  const done = new Map<number, InstanceType<Model<T>>>();
  let pending = builds.map((_, i) => i);
  let refusedInARow = 0;
  for (let attempt = 0; attempt < 1_000 && pending.length; attempt++) {
    if (refusedInARow >= REREAD_AFTER) {
      taken(key, await readLast(m, year));
      refusedInARow = 0;
    }
    const first = (await hint(m, key, year)) + 1;
    const docs = pending.map((index, i) => {
      const seq = first + i;
      const ref = refOf(prefix, year, seq);
      return new model({ ...builds[index]!(ref, year, seq), ref, refYear: year, refSeq: seq } as never);
    });
    // Validated first, as `create` would: an invalid document is an error of the caller, not a taken number.
    for (const doc of docs) await doc.validate();
    let refused = new Set<number>();
    let inserted: unknown[];
    try {
      inserted = await model.insertMany(docs, { ordered: false });
    } catch (err) {
      inserted = (err as { insertedDocs?: unknown[] }).insertedDocs ?? [];
      // Mongoose fills `writeErrors` from the driver's result, also for a single error.
      const writeErrors = (err as { writeErrors?: { index: number; err?: { code?: number }; code?: number }[] }).writeErrors;
      if (!writeErrors?.length || writeErrors.some((e) => !isDuplicateKey(e.err ?? e))) throw err;
      refused = new Set(writeErrors.map((e) => e.index));
    }
    const byId = new Map(inserted.map((doc) => [String((doc as { _id: unknown })._id), doc as InstanceType<Model<T>>]));
    docs.forEach((doc, i) => {
      taken(key, first + i);
      if (!refused.has(i)) done.set(pending[i]!, byId.get(String(doc._id)) ?? (doc));
    });
    pending = pending.filter((_, i) => refused.has(i));
    refusedInARow = pending.length ? refusedInARow + 1 : 0;
    // CASE: someone took these numbers; back off a little so racing writers spread out.
    if (pending.length) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * (attempt + 1))));
  }
  if (pending.length) throw new Error(`could not allocate a ${prefix} reference`);
  return builds.map((_, i) => done.get(i)!);
}

/**
 * Numbers were given back (documents deleted: an import undone, a reset): read the highest again
 * at the next insert, so the freed numbers are used and the sequence stays without gaps.
 */
export function forgetRefNumbers(): void {
  lastTaken.clear();
}

/**
 * The highest number of a year as a read model holds it (the catalogue holds every incident), so
 * that no sorted scan is needed. A number another process took since is learnt from the refusal.
 */
export function knowRefNumber<T>(model: Model<T>, prefix: string, year: number, seq: number): void {
  const key = keyOf(model as unknown as Model<never>, prefix, year);
  lastTaken.set(key, Math.max(seq, lastTaken.get(key) ?? 0));
}

/** Reads this year's highest number ahead of the first insert (start-up, in the background). */
export async function warmRefNumbers<T>(model: Model<T>, prefix: string, now = new Date()): Promise<void> {
  const m = model as unknown as Model<never>;
  await hint(m, keyOf(m, prefix, now.getUTCFullYear()), now.getUTCFullYear());
}
