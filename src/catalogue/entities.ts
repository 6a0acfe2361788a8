import { Government } from '../governments/model.js';
import { OfficialAction, STATUS_AFTER, type ActionKind } from '../listings/model.js';
import { displayName } from '../reference/presenter.js';
import { Product } from '../products/model.js';
import { tokenize } from '../search/normalise.js';
import { Vendor } from '../vendors/model.js';

export interface EntityInfo {
  id: string;
  kind: 'vendor' | 'product' | 'government';
  slug: string;
  name: string;
  nameAr: string;
  aliases: string[];
  country?: string; // a vendor's headquarters, a government's country
  parent?: string; // vendors
  vendor?: string; // products: the current vendor
  formerVendors?: { vendor: string; until: number }[]; // products: earlier vendors, oldest first
  successor?: string; // vendors: the company it continued as after a rename
  /** Vendors: per regime, the status the latest action naming it left it in (listings/model.ts). */
  listings: Listing[];
  /** The record's creation and last edit (the version of its STIX object, stix/entities.ts). */
  createdAt?: Date;
  updatedAt?: Date;
}

export interface Listing {
  regime: string;
  status: 'listed' | 'removed' | 'proposed';
  date: string; // YYYY-MM-DD, '' when the action is undated
  citation: string;
  url: string;
  action: string; // the action's slug
}

export interface ActionInfo {
  id: string;
  slug: string;
  regime: string;
  kind: ActionKind;
  date: string; // YYYY-MM-DD or ''
  citation: string;
  url: string;
  entities: { vendor: string; asNamed: string }[];
  basis: string;
  basisAr: string;
}

const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : '');

/** Per regime, the latest action naming the vendor (by date; undated ones first). */
function listingsOf(vendor: string, actions: readonly ActionInfo[]): Listing[] {
  const latest = new Map<string, ActionInfo>();
  for (const a of actions) if (a.entities.some((e) => e.vendor === vendor)) latest.set(a.regime, a);
  return [...latest.values()].map((a) => ({ regime: a.regime, status: STATUS_AFTER[a.kind], date: a.date, citation: a.citation, url: a.url, action: a.slug }));
}

/** Vendors, products and governments in memory (a few hundred records at most). */
export class EntityIndex {
  readonly byId = new Map<string, EntityInfo>();
  /** Official actions, oldest first (a few hundred at most). */
  actions: ActionInfo[] = [];
  /** folded token → ids of entities whose name, Arabic name or alias contains it */
  private readonly tokens = new Map<string, Set<string>>();

  static async load(): Promise<EntityIndex> {
    const index = new EntityIndex();
    const [vendors, products, governments, actions] = await Promise.all([Vendor.find({}).lean(), Product.find({}).lean(), Government.find({}).lean(), OfficialAction.find({}).lean()]);
    index.actions = actions
      .map((a) => ({ id: String(a._id), slug: a.slug, regime: a.regime, kind: a.kind, date: day(a.date), citation: a.citation, url: a.url ?? '', entities: a.entities.map((e) => ({ vendor: String(e.vendor), asNamed: e.asNamed ?? '' })), basis: a.basis ?? '', basisAr: a.basisAr ?? '' }))
      .sort((a, b) => a.date.localeCompare(b.date) || a.slug.localeCompare(b.slug));
    for (const v of vendors) {
      const id = String(v._id);
      index.add({ id, kind: 'vendor', slug: v.slug, name: v.name, nameAr: v.nameAr ?? '', aliases: [...v.aliases, ...v.formerNames.map((f) => f.name)], country: v.hqCountry ?? undefined, parent: v.parent ? String(v.parent) : undefined, successor: v.successor ? String(v.successor) : undefined, listings: listingsOf(id, index.actions), createdAt: v.createdAt, updatedAt: v.updatedAt });
    }
    for (const p of products) {
      const formerVendors = (p.formerVendors ?? []).map((f) => ({ vendor: String(f.vendor), until: new Date(f.until).getTime() })).sort((a, b) => a.until - b.until);
      index.add({ id: String(p._id), kind: 'product', slug: p.slug, name: p.name, nameAr: p.nameAr ?? '', aliases: p.aliases, vendor: p.vendor ? String(p.vendor) : undefined, formerVendors, listings: [], createdAt: p.createdAt, updatedAt: p.updatedAt });
    }
    for (const g of governments) index.add({ id: String(g._id), kind: 'government', slug: g.slug, name: g.name, nameAr: g.nameAr ?? '', aliases: g.agencies.map((a) => a.name), country: g.country, listings: [], createdAt: g.createdAt, updatedAt: g.updatedAt });
    return index;
  }

  private add(entity: EntityInfo): void {
    this.byId.set(entity.id, entity);
    for (const text of [entity.name, entity.nameAr, ...entity.aliases]) {
      for (const token of tokenize(text, true)) {
        if (!this.tokens.has(token)) this.tokens.set(token, new Set());
        this.tokens.get(token)!.add(entity.id);
      }
    }
  }

  /**
   * A product's vendor at a time (the corporate graph over time): the earlier vendor whose period
   * the time falls in, else the current vendor. Without a time, the current vendor.
   */
  vendorAt(productId: string, at?: number): string | undefined {
    const product = this.byId.get(productId);
    if (!product) return undefined;
    if (at !== undefined) for (const f of product.formerVendors ?? []) if (at < f.until) return f.vendor;
    return product.vendor;
  }

  matching(token: string): string[] {
    return [...(this.tokens.get(token) ?? [])];
  }

  /**
   * When a vendor, product or government was last changed (ms): what an incident's entry was derived
   * with, as far as the entities go. The same in every process that loaded the same entities.
   */
  get changedAt(): number {
    this.latest ??= Math.max(0, ...[...this.byId.values()].map((e) => (e.updatedAt ? new Date(e.updatedAt).getTime() : 0)));
    return this.latest;
  }
  private latest?: number;

  /** A vendor and every vendor below it in the corporate graph. */
  vendorFamily(id: string): Set<string> {
    const family = new Set([id]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const e of this.byId.values()) {
        if (e.kind === 'vendor' && e.parent && family.has(e.parent) && !family.has(e.id)) {
          family.add(e.id);
          grew = true;
        }
      }
    }
    return family;
  }

  /** The vendors above a vendor in the corporate graph (its parent, the parent's parent …). */
  vendorAncestors(id: string): string[] {
    const above: string[] = [];
    let parent = this.byId.get(id)?.parent;
    while (parent && !above.includes(parent) && parent !== id) {
      above.push(parent);
      parent = this.byId.get(parent)?.parent;
    }
    return above;
  }

  /** The actions naming a vendor, oldest first. */
  actionsOf(vendorId: string): ActionInfo[] {
    return this.actions.filter((a) => a.entities.some((e) => e.vendor === vendorId));
  }

  listingsOf(vendorId: string): Listing[] {
    return this.byId.get(vendorId)?.listings ?? [];
  }

  listedVendors(regime?: string): Set<string> {
    return new Set(
      [...this.byId.values()]
        .filter((e) => e.kind === 'vendor' && e.listings.some((l) => l.status === 'listed' && (!regime || l.regime === regime)))
        .map((e) => e.id),
    );
  }

  /** Options for a form's select: slug and the name in the page's language, sorted by that name. */
  options(kind: EntityInfo['kind'], lng: string): { value: string; label: string }[] {
    return [...this.byId.values()]
      .filter((e) => e.kind === kind)
      .map((e) => ({ value: e.slug, label: displayName(e, lng) }))
      .sort((a, b) => a.label.localeCompare(b.label, lng));
  }

  bySlug(kind: EntityInfo['kind'], slug: string): EntityInfo | undefined {
    for (const e of this.byId.values()) if (e.kind === kind && e.slug === slug) return e;
    return undefined;
  }
}
