import type { Model } from 'mongoose';

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

/**
 * Inserts a document numbered `<prefix>-<year>-<NNNNN>`, gap-free per year under concurrency:
 * take the year's highest number + 1 and insert; the unique index on `ref` refuses a number
 * someone else took meanwhile, and we try the next. No counter document: FerretDB 1.24 loses
 * concurrent `$inc` updates, while unique-index inserts hold on every engine.
 */
export async function insertWithNextRef<T>(
  model: Model<T>,
  prefix: string,
  build: (ref: string, year: number, seq: number) => Record<string, unknown>,
  now = new Date(),
): Promise<InstanceType<Model<T>>> {
  const year = now.getUTCFullYear();
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const last = await model.findOne({ refYear: year }, { refSeq: 1 }).sort({ refSeq: -1 }).lean<{ refSeq?: number }>();
    const seq = (last?.refSeq ?? 0) + 1;
    const ref = `${prefix}-${year}-${String(seq).padStart(5, '0')}`;
    try {
      return (await model.create({ ...build(ref, year, seq), ref, refYear: year, refSeq: seq } as never));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // CASE: someone took this number; back off a little so racing writers spread out.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * (attempt + 1))));
    }
  }
  throw new Error(`could not allocate a ${prefix} reference`);
}
