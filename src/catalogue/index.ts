import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { Incident } from '../incidents/model.js';
import { queryTokens } from '../search/normalise.js';
import { getSetting, setSetting } from '../settings/model.js';
import { EntityIndex } from './entities.js';
import { compareEntries, productVendorsOf, toEntry, type Entry } from './entry.js';

/**
 * The catalogue of published incidents: an in-process read model behind every public list,
 * filter, facet, search, profile statistic, chart and CSV.
 *
 * Why: FerretDB 1.24's SQLite backend uses no index for any query (explain: filterPushdown false,
 * "SCAN incidents"): at 100,000 incidents a filtered list or a count takes ~20 s. Public pages
 * only ever show verified public incidents, which change rarely and are read constantly, so they
 * are loaded once and kept here with posting lists (token → ids, entity → ids), and queries run
 * in memory. Commands that change an incident update its entry; other app processes notice the
 * version kept in the (tiny, fast) settings collection and reload.
 */
export class Catalogue {
  private entries: Entry[] = [];
  readonly byId = new Map<string, Entry>();
  readonly byRef = new Map<string, Entry>();
  private readonly postings = new Map<string, Set<string>>();
  private readonly memos = new Map<string, unknown>();
  private memoVersion = -1;
  version = 0;
  /** This instance (a reload makes a new one): with `version`, what the rendered-page cache keys on. */
  readonly generation = randomUUID();

  /**
   * Results, facets and statistics are computed once per version of the catalogue (which changes
   * only when an incident is published, changed or withdrawn, or an entity is edited) and then
   * served from here: the per-request work is a lookup.
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.memoVersion !== this.version || this.memos.size > 5_000) {
      this.memos.clear();
      this.memoVersion = this.version;
    }
    if (!this.memos.has(key)) this.memos.set(key, compute());
    return this.memos.get(key) as T;
  }

  constructor(public entities: EntityIndex) {}

  /** A product's vendor (the corporate graph held by the entity index). */
  /** A product's vendor now, or at a time (an incident's start: the corporate graph as of its dates). */
  readonly vendorOf = (productId: string, at?: number): string | undefined => this.entities.vendorAt(productId, at);

  static async load(): Promise<Catalogue> {
    return Catalogue.of(await EntityIndex.load(), await Incident.find({ published: true }).lean());
  }

  /**
   * A catalogue of the given incidents, with the same filters and search as the public one: for
   * sets that are not public (verified restricted incidents in an official dossier or the API).
   */
  static of(entities: EntityIndex, docs: unknown[]): Catalogue {
    const catalogue = new Catalogue(entities);
    for (const doc of docs) catalogue.put(toEntry(doc as never, catalogue.vendorOf), false);
    catalogue.entries.sort(compareEntries);
    return catalogue;
  }

  get all(): readonly Entry[] {
    return this.entries;
  }

  private put(entry: Entry, keepSorted = true): void {
    this.remove(entry.id);
    this.byId.set(entry.id, entry);
    this.byRef.set(entry.ref, entry);
    for (const token of entry.tokens) {
      if (!this.postings.has(token)) this.postings.set(token, new Set());
      this.postings.get(token)!.add(entry.id);
    }
    if (keepSorted) {
      const at = this.entries.findIndex((e) => compareEntries(entry, e) < 0);
      this.entries.splice(at === -1 ? this.entries.length : at, 0, entry);
    } else {
      this.entries.push(entry);
    }
    this.version += 1;
  }

  private remove(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.byId.delete(id);
    this.byRef.delete(old.ref);
    for (const token of old.tokens) this.postings.get(token)?.delete(id);
    this.entries = this.entries.filter((e) => e.id !== id);
    this.version += 1;
  }

  /**
   * Something a public page shows that is not held here changed (a public evidence file, a
   * product's indicators): a new version, so no memo and no rendered page of the old one is served.
   */
  touch(): void {
    this.version += 1;
  }

  /** When each incident's entry was last written (its `updatedAt`), so that an older write never replaces a newer one. */
  private readonly writtenAt = new Map<string, number>();

  /**
   * The incidents as just written (a command's own write returns the document after it): published
   * ones are (re)entered, the others leave. No read of the incidents collection (a scan of every
   * incident on the embedded engine). Of two writes of one incident arriving out of order, the
   * older (by `updatedAt`) is ignored.
   */
  apply(docs: readonly unknown[]): void {
    for (const doc of docs as ({ _id: unknown; published?: boolean; updatedAt?: Date | string } | null)[]) {
      if (!doc) continue;
      const id = String(doc._id);
      const at = doc.updatedAt ? new Date(doc.updatedAt).getTime() : 0;
      if (at < (this.writtenAt.get(id) ?? -Infinity)) continue;
      this.writtenAt.set(id, at);
      if (doc.published) this.put(toEntry(doc as never, this.vendorOf));
      else this.remove(id);
    }
  }

  /** Re-reads the given incidents, one `_id` lookup each (the one filter the embedded engine pushes down). */
  async refresh(ids: string[]): Promise<void> {
    for (const id of ids.filter((i) => mongoose.isValidObjectId(i))) {
      const doc = await Incident.findById(id).lean();
      if (doc) this.apply([doc]);
      else this.remove(id);
    }
  }

  /**
   * After an entity changed: an entry depends on the entities only through its products' vendors
   * (names are matched at query time), so only the entries whose products now resolve to other
   * vendors are derived again; their place in the order (date, id) does not change.
   */
  async refreshEntities(): Promise<void> {
    this.entities = await EntityIndex.load();
    this.entries = this.entries.map((entry) => {
      const doc = entry.doc as never;
      if (JSON.stringify(productVendorsOf(doc, this.vendorOf)) === JSON.stringify(entry.productVendors)) return entry;
      const next = toEntry(doc, this.vendorOf);
      this.byId.set(next.id, next);
      this.byRef.set(next.ref, next);
      return next;
    });
    this.version += 1;
  }

  /** Ids of entries matching a search token: own text, or an entity (or its group) named so. */
  private idsForToken(token: string): Set<string> {
    const ids = new Set(this.postings.get(token) ?? []);
    const entityIds = new Set<string>();
    for (const id of this.entities.matching(token)) {
      const e = this.entities.byId.get(id)!;
      if (e.kind === 'vendor') for (const v of this.entities.vendorFamily(id)) entityIds.add(v);
      else entityIds.add(id);
    }
    if (entityIds.size) {
      for (const entry of this.entries) {
        if (entry.vendorIds.some((v) => entityIds.has(v)) || entry.productIds.some((p) => entityIds.has(p)) || entry.governmentIds.some((g) => entityIds.has(g))) ids.add(entry.id);
      }
    }
    return ids;
  }

  /** Entries matching a filter, in date order (newest first). */
  select(filter: ResolvedFilter): Entry[] {
    return this.memo(`select:${filterKey(filter)}`, () => this.compute(filter));
  }

  private compute(filter: ResolvedFilter): Entry[] {
    let candidates: Set<string> | undefined;
    const narrow = (ids: Set<string>) => {
      candidates = candidates ? new Set([...candidates].filter((id) => ids.has(id))) : ids;
    };
    for (const token of filter.tokens ?? []) narrow(this.idsForToken(token));
    const source = candidates ? this.entries.filter((e) => candidates!.has(e.id)) : this.entries;
    return source.filter((e) => matches(e, filter));
  }
}

export interface ResolvedFilter {
  vendorIds?: Set<string>;
  productId?: string;
  governmentId?: string;
  country?: string;
  category?: string;
  yearFrom?: number;
  yearTo?: number;
  minRank?: number;
  /** vendors whose incidents qualify (listed under the chosen regime), or 'none' for not listed */
  listedVendors?: Set<string> | { notIn: Set<string> };
  tokens?: string[];
}

function filterKey(f: ResolvedFilter): string {
  return JSON.stringify(f, (_k, v: unknown) => (v instanceof Set ? [...(v as Set<string>)].sort() : v));
}

function matches(e: Entry, f: ResolvedFilter): boolean {
  if (f.vendorIds && !e.vendorIds.some((v) => f.vendorIds!.has(v))) return false;
  if (f.productId && !e.productIds.includes(f.productId)) return false;
  if (f.governmentId && !e.governmentIds.includes(f.governmentId)) return false;
  if (f.country && !e.countries.includes(f.country)) return false;
  if (f.category && !e.categories.includes(f.category)) return false;
  if (f.yearFrom && e.year < f.yearFrom) return false;
  if (f.yearTo && e.year > f.yearTo) return false;
  if (f.minRank && e.confidenceRank < f.minRank) return false;
  if (f.listedVendors) {
    if (f.listedVendors instanceof Set) {
      if (!e.vendorIds.some((v) => (f.listedVendors as Set<string>).has(v))) return false;
    } else if (e.vendorIds.some((v) => (f.listedVendors as { notIn: Set<string> }).notIn.has(v))) return false;
  }
  return true;
}

export { queryTokens };

// ---- the process-wide instance and its synchronisation ---------------------------------------------

const VERSION_KEY = 'catalogueVersion';
let current: Promise<Catalogue> | undefined;
/**
 * Changes to the catalogue run one after another. Two refreshes of one incident running at once
 * could land in the wrong order (the older read last, the entry stale); a reload for another
 * process could replace a catalogue that a local change had just updated with an older read.
 * In turn, each read starts after the previous change was applied, so the newest read lands last.
 */
let changes: Promise<unknown> = Promise.resolve();
function inTurn<T>(task: () => Promise<T>): Promise<T> {
  const next = changes.then(task, task);
  changes = next.catch(() => undefined);
  return next;
}
let restricted: Promise<Catalogue> | undefined;
let ownVersion: string | undefined;
let poller: NodeJS.Timeout | undefined;

export function catalogue(): Promise<Catalogue> {
  current ??= Catalogue.load().then(async (c) => {
    ownVersion = await getSetting<string>(VERSION_KEY);
    return c;
  });
  return current;
}

/**
 * Verified incidents that are restricted (not public): for official dossiers and API token holders
 * only. Kept like the public catalogue (a full scan on FerretDB is slow) and dropped on any change.
 */
function restrictedCatalogue(c: Catalogue): Promise<Catalogue> {
  restricted ??= Incident.find({ 'verification.status': 'verified', visibility: 'restricted' })
    .lean()
    .then((docs) => Catalogue.of(c.entities, docs));
  return restricted;
}

/**
 * The verified incidents matching a filter, newest first: the public ones, and with
 * `includeRestricted` also the verified restricted ones (whose entries say so in `doc.visibility`).
 */
export async function verifiedEntries(filter: ResolvedFilter | 'nothing', includeRestricted: boolean): Promise<Entry[]> {
  if (filter === 'nothing') return [];
  const c = await catalogue();
  const entries = [...c.select(filter)];
  if (!includeRestricted) return entries;
  const r = await restrictedCatalogue(c);
  return [...entries, ...r.select(filter)].sort(compareEntries);
}

async function announce(): Promise<void> {
  ownVersion = randomUUID();
  await setSetting(VERSION_KEY, ownVersion);
}

/** After a command changed incidents: read them again, update their entries here, and tell other processes. */
export async function incidentsChanged(ids: unknown[]): Promise<void> {
  await inTurn(async () => {
    restricted = undefined;
    const c = await catalogue();
    await c.refresh(ids.map(String));
  });
  await announce();
}

/**
 * After a command wrote incidents and holds the documents as written (`returnDocument: 'after'`):
 * their entries here come from those, with no read; other processes are told.
 */
export async function incidentsWritten(docs: readonly unknown[]): Promise<void> {
  await inTurn(async () => {
    restricted = undefined;
    (await catalogue()).apply(docs);
  });
  await announce();
}

/** After a vendor, product or government changed (names, aliases, listings, graph). */
export async function entitiesChanged(): Promise<void> {
  await inTurn(async () => {
    restricted = undefined;
    if (current) await (await current).refreshEntities();
  });
  await announce();
}

/**
 * After a change to data public pages show beside the catalogue's (an evidence file made public or
 * restricted, indicators imported): a new version here, and other processes are told.
 */
export async function publicDataChanged(): Promise<void> {
  await inTurn(async () => {
    if (current) (await current).touch();
  });
  await announce();
}

/** Another process changed something: reload in the background, keep serving meanwhile. */
export function watchForOtherProcesses(intervalMs = 3_000): void {
  if (poller) return;
  poller = setInterval(() => {
    void inTurn(async () => {
      const version = await getSetting<string>(VERSION_KEY);
      if (!current || version === ownVersion) return;
      ownVersion = version;
      restricted = undefined;
      const fresh = await Catalogue.load();
      current = Promise.resolve(fresh);
    }).catch(() => undefined);
  }, intervalMs);
  poller.unref();
}

export function stopWatching(): void {
  if (poller) clearInterval(poller);
  poller = undefined;
}

/** After a bulk change (seeding): drop what this process holds and tell the others to reload. */
export async function catalogueReplaced(): Promise<void> {
  current = undefined;
  restricted = undefined;
  await announce();
}

/** Tests empty the database between cases: forget what was loaded. */
export function resetCatalogue(): void {
  current = undefined;
  restricted = undefined;
  ownVersion = undefined;
}
