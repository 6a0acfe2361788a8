import mongoose from 'mongoose';
import { recordAuditEvent } from '../audit/index.js';
import { COUNTRY_CODES } from '../countries/index.js';
import { earliest, latest } from '../facts/dates.js';
import { TARGET_CATEGORIES } from '../facts/model.js';
import { Government } from '../governments/model.js';
import { CONFIDENCE_LEVELS, Incident } from '../incidents/model.js';
import { Product } from '../products/model.js';
import { setSetting } from '../settings/model.js';
import { Vendor } from '../vendors/model.js';
import { publish } from '../events/index.js';

/** A small deterministic generator, so that two runs with the same N build the same data. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function ensure<T>(model: mongoose.Model<T>, docs: Record<string, unknown>[]): Promise<mongoose.Types.ObjectId[]> {
  const ids: mongoose.Types.ObjectId[] = [];
  for (const doc of docs) {
    const existing = await model.findOne({ slug: doc.slug } as never, { _id: 1 }).lean<{ _id: mongoose.Types.ObjectId }>();
    ids.push(existing ? existing._id : ((await model.create(doc as never)) as unknown as { _id: mongoose.Types.ObjectId })._id);
  }
  return ids;
}

/**
 * N clearly fake incidents ("[synthetic]" titles, "Synthetic vendor" names) for scale tests.
 * Written with insertMany in batches; reference numbers continue each year's sequence. One
 * audit event records the run (not one per fake incident).
 */
export async function seedSynthetic(count: number): Promise<void> {
  const random = generator(count);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const vendorIds = await ensure(Vendor as never, Array.from({ length: 12 }, (_, i) => ({ slug: `synthetic-vendor-${i + 1}`, name: `Synthetic vendor ${i + 1} (fake)`, summary: 'Generated for scale tests.' })));
  const productIds = await ensure(
    Product as never,
    Array.from({ length: 24 }, (_, i) => ({ slug: `synthetic-product-${i + 1}`, name: `Synthetic product ${i + 1} (fake)`, vendor: vendorIds[i % vendorIds.length], category: 'spyware' })),
  );
  const countries = COUNTRY_CODES.slice(0, 60);
  const governmentIds = await ensure(
    Government as never,
    countries.slice(0, 30).map((c) => ({ slug: `synthetic-government-${c.toLowerCase()}`, country: c, name: `Synthetic government ${c} (fake)` })),
  );

  const nextSeq = new Map<number, number>();
  const seqFor = async (year: number): Promise<number> => {
    if (!nextSeq.has(year)) {
      const last = await Incident.findOne({ refYear: year }, { refSeq: 1 }).sort({ refSeq: -1 }).lean();
      nextSeq.set(year, (last?.refSeq ?? 0) + 1);
    }
    const seq = nextSeq.get(year)!;
    nextSeq.set(year, seq + 1);
    return seq;
  };

  const BATCH = 1_000;
  for (let done = 0; done < count; done += BATCH) {
    const batch = [];
    for (let i = done; i < Math.min(count, done + BATCH); i++) {
      const y = 2010 + Math.floor(random() * 16);
      const from = { y, m: 1 + Math.floor(random() * 12) };
      const productIndex = Math.floor(random() * productIds.length);
      const government = Math.floor(random() * governmentIds.length);
      const published = random() < 0.85;
      const seq = await seqFor(y);
      // Through the model, so every synthetic incident is valid data with the schema's defaults (its
      // own page renders like any other), then inserted in bulk.
      const incident = new Incident({
        ref: `I-${y}-${String(seq).padStart(5, '0')}`,
        refYear: y,
        refSeq: seq,
        title: `[synthetic] Incident ${i + 1}`,
        summary: 'Synthetic incident generated for scale tests. Not real.',
        dates: { from, start: earliest(from), end: latest(from) },
        countries: [pick(countries)],
        targets: [{ category: pick(TARGET_CATEGORIES), pseudonym: `Synthetic target ${i + 1}`, consentToPublish: false }],
        attributions: [
          { kind: 'product', product: productIds[productIndex], confidence: pick(CONFIDENCE_LEVELS), basis: 'Synthetic.', sources: [] },
          { kind: 'government', government: governmentIds[government], product: productIds[productIndex], confidence: pick(CONFIDENCE_LEVELS), basis: 'Synthetic.', sources: [] },
        ],
        sources: [],
        visibility: published ? 'public' : 'restricted',
        verification: { status: published ? 'verified' : 'draft', round: 1, ...(published ? { verifiedAt: new Date() } : {}) },
        published,
        year: y,
        productIds: [productIds[productIndex]],
        vendorIds: [vendorIds[productIndex % vendorIds.length]],
        governmentIds: [governmentIds[government]],
      });
      await incident.validate();
      batch.push(incident.toObject());
    }
    await Incident.insertMany(batch, { ordered: true, lean: true });
  }
  await setSetting('syntheticData', { count, at: new Date().toISOString() });
  await publish({ kind: 'replaced' });
  await recordAuditEvent({ actor: { type: 'cli', label: 'seed' }, action: 'seed.synthetic', details: { count } });
}
