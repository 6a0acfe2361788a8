import mongoose from 'mongoose';
import { Government } from '../governments/model.js';
import { Product } from '../products/model.js';
import { Vendor } from '../vendors/model.js';
import { displayName } from './presenter.js';

export interface EntityRef {
  id: string;
  name: string;
  slug: string;
}

type Ids = { products?: unknown[]; vendors?: unknown[]; governments?: unknown[] };

async function load(model: mongoose.Model<never>, ids: unknown[] | undefined, lng: string): Promise<Map<string, EntityRef>> {
  const unique = [...new Set((ids ?? []).map(String))];
  if (!unique.length) return new Map();
  const docs = await model.find({ _id: mongoose.trusted({ $in: unique }) } as never, { name: 1, nameAr: 1, slug: 1 }).lean<{ _id: unknown; name: string; nameAr?: string; slug: string }[]>();
  return new Map(docs.map((d) => [String(d._id), { id: String(d._id), name: displayName(d, lng), slug: d.slug }]));
}

/** Names and slugs of the entities a report or incident refers to, in the page's language. */
export async function loadEntities(ids: Ids, lng: string): Promise<{ products: Map<string, EntityRef>; vendors: Map<string, EntityRef>; governments: Map<string, EntityRef> }> {
  const [products, vendors, governments] = await Promise.all([
    load(Product as never, ids.products, lng),
    load(Vendor as never, ids.vendors, lng),
    load(Government as never, ids.governments, lng),
  ]);
  return { products, vendors, governments };
}

/** Options for selects in forms. */
export async function entityOptions(lng: string): Promise<{ products: EntityRef[]; vendors: EntityRef[]; governments: EntityRef[] }> {
  const pick = (docs: { _id: unknown; name: string; nameAr?: string; slug: string }[]) =>
    docs.map((d) => ({ id: String(d._id), name: displayName(d, lng), slug: d.slug }));
  const [products, vendors, governments] = await Promise.all([
    Product.find({}, { name: 1, nameAr: 1, slug: 1 }).sort({ name: 1 }).limit(2000).lean(),
    Vendor.find({}, { name: 1, nameAr: 1, slug: 1 }).sort({ name: 1 }).limit(2000).lean(),
    Government.find({}, { name: 1, nameAr: 1, slug: 1 }).sort({ name: 1 }).limit(2000).lean(),
  ]);
  return { products: pick(products), vendors: pick(vendors), governments: pick(governments) };
}
