import mongoose from 'mongoose';
import { Government } from '../governments/model.js';
import { Product } from '../products/model.js';
import { Vendor } from '../vendors/model.js';
import { displayName } from './presenter.js';
import { catalogue } from '../catalogue/index.js';
import type { EntityInfo } from '../catalogue/entities.js';

export interface EntityRef {
  id: string;
  name: string;
  slug: string;
}

type Ids = { products?: unknown[]; vendors?: unknown[]; governments?: unknown[] };
type Kind = EntityInfo['kind'];

const MODELS: Record<Kind, mongoose.Model<never>> = { product: Product as never, vendor: Vendor as never, government: Government as never };

/**
 * Entities by id from the read model's entity index (catalogue/entities.ts: every vendor, product and
 * government, kept up to date by the entity-changed events), without a database read; an id it does
 * not know yet (another process created it in the last seconds) is read from the database.
 */
async function load(kind: Kind, ids: unknown[] | undefined, lng: string): Promise<Map<string, EntityRef>> {
  const unique = [...new Set((ids ?? []).map(String))];
  if (!unique.length) return new Map();
  const index = (await catalogue()).entities;
  const found = new Map<string, EntityRef>();
  const unknown: string[] = [];
  for (const id of unique) {
    const entity = index.byId.get(id);
    if (entity?.kind === kind) found.set(id, { id, name: displayName(entity, lng), slug: entity.slug });
    else unknown.push(id);
  }
  if (unknown.length) {
    const docs = await MODELS[kind].find({ _id: mongoose.trusted({ $in: unknown }) } as never, { name: 1, nameAr: 1, slug: 1 }).lean<{ _id: unknown; name: string; nameAr?: string; slug: string }[]>();
    for (const d of docs) found.set(String(d._id), { id: String(d._id), name: displayName(d, lng), slug: d.slug });
  }
  return found;
}

/** Names and slugs of the entities a report or incident refers to, in the page's language. */
export async function loadEntities(ids: Ids, lng: string): Promise<{ products: Map<string, EntityRef>; vendors: Map<string, EntityRef>; governments: Map<string, EntityRef> }> {
  const [products, vendors, governments] = await Promise.all([load('product', ids.products, lng), load('vendor', ids.vendors, lng), load('government', ids.governments, lng)]);
  return { products, vendors, governments };
}

/** Options for selects in forms: every entity of each kind, by name (as the database sorts: by code unit), from the entity index. */
export async function entityOptions(lng: string): Promise<{ products: EntityRef[]; vendors: EntityRef[]; governments: EntityRef[] }> {
  const index = (await catalogue()).entities;
  const of = (kind: Kind) =>
    [...index.byId.values()]
      .filter((e) => e.kind === kind)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => ({ id: e.id, name: displayName(e, lng), slug: e.slug }));
  return { products: of('product'), vendors: of('vendor'), governments: of('government') };
}
