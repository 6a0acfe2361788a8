import type { Collection, Db, Document } from 'mongodb';
import type { EntityIndex } from './entities.js';
import type { Entry } from './entry.js';
import type { Catalogue, ResolvedFilter } from './index.js';
import { derivation } from './snapshot.js';
import { replaceUnlessNewer } from '../db/duplicates.js';
import { byCount, byYear, REFS_BATCH, confidenceCounts, cursorOf, indexFieldsOf, parseCursor, vendorKeys, type Facets, type IncidentQueries, type PageRequest, type RefPage } from './queries.js';

/**
 * `IncidentQueries` answered by the database engine, for deployments on MongoDB (MONGODB_URI), where
 * indexed queries are fast and every app process can read one shared projection instead of holding
 * every incident in memory. The projection (`incidentindex`) holds, per published incident, the
 * fields filters and counts read (catalogue/queries.ts indexFieldsOf): derived by the same `toEntry`
 * as the in-process catalogue, so a finding and a lead are told apart the same way, and written with
 * a version (`apply`, `remove`: see FollowingProjection below); a withdrawn incident is a marker
 * (`published: false`) that every question leaves out.
 *
 * Indexes (`ensureIndexes`), and the questions each serves:
 * - `{ start: -1, _id: -1 }`: the unfiltered list and its pages (newest first, then id; oldest first
 *   read backwards; a cursor is a range on it);
 * - `{ vendorIds: 1, start: -1 }`, `{ productIds: 1, start: -1 }`, `{ governmentIds: 1, start: -1 }`:
 *   profiles and the entity filters (multikey), sorted by the index;
 * - `{ countries: 1, start: -1 }`, `{ categories: 1, start: -1 }`, `{ year: 1 }`: the other filters;
 * - `{ tokens: 1 }`: search, one posting list per token (multikey);
 * - `{ ref: 1 }`: an incident by reference (not unique: markers keep no reference).
 * Facets are one aggregation per dimension, run together; on MongoDB they can be one `$facet`
 * stage, which the embedded engine (FerretDB 1.24) does not have. Vendors (with their groups) and
 * listing are counted from the distinct sets of vendors, so the corporate graph and the listings
 * stay the entity index's: a change of the corporate graph or of a listing rewrites no document. On a
 * replica set a change stream on `incidentindex` could tell other processes to drop their rendered-page
 * caches (today they poll the change log, events/changes.ts).
 */
export const PROJECTION = 'incidentindex';

/** How many incidents one write to the projection, or one batch read of it, carries. */
const BATCH = 1_000;

/**
 * What a projection document was derived from: its record as last changed (`updatedAt`, ms; a
 * deleted record: for good), the entities as last changed (EntityIndex.changedAt), and the code that
 * derived it (`derivedBy`: snapshot.ts derivation, shortened). Versions are ordered by the record
 * first: a process that holds an older state of the record never replaces a newer one, however
 * recently it learnt the entities; with the same record, the later entities win.
 */
export interface Version {
  record: number;
  entities: number;
  derivedBy: string;
}

/** The condition under which a write of `v` may replace the document: it holds an older version, or one of the format before versions had two parts. */
function newerOrSame(v: Version): Document {
  return { $or: [{ recordVersion: { $exists: false } }, { recordVersion: { $lt: v.record } }, { recordVersion: v.record, entitiesVersion: { $lte: v.entities } }] };
}

function sameVersion(a: Version, b: Version): boolean {
  return a.record === b.record && a.entities === b.entities && a.derivedBy === b.derivedBy;
}

const PROJECTION_INDEXES: Document[] = [
  { start: -1, _id: -1 },
  { vendorIds: 1, start: -1 },
  { productIds: 1, start: -1 },
  { governmentIds: 1, start: -1 },
  { countries: 1, start: -1 },
  { categories: 1, start: -1 },
  { year: 1 },
  { tokens: 1 },
  { ref: 1 },
];

export class MongoIncidentQueries implements IncidentQueries {
  private readonly collection: Collection;

  constructor(
    db: Db,
    private readonly entities: () => EntityIndex,
  ) {
    this.collection = db.collection(PROJECTION);
  }

  /**
   * One index at a time, as Mongoose creates a model's: FerretDB 1.24 drops the connection (a panic,
   * "slice bounds out of range") when one `createIndexes` names several indexes that already exist,
   * which is every start after the first.
   */
  async ensureIndexes(): Promise<void> {
    for (const key of PROJECTION_INDEXES) await this.collection.createIndex(key);
  }

  /** Published incidents as their entries were derived, each with its version (`Version`): (re)written unless a newer one is there. */
  async apply(entries: readonly { entry: Entry; version: Version }[]): Promise<void> {
    await this.write(entries.map(({ entry, version }) => ({ id: entry.id, version, replacement: { ...indexFieldsOf(entry), published: true } })));
  }

  /**
   * Incidents no longer published (sent back, restricted, retracted, deleted): a marker with the
   * version of the change, which every question leaves out, rather than a delete, so that an older
   * write arriving after it (from a process that learnt less) cannot bring the incident back.
   */
  async remove(gone: readonly { id: string; version: Version }[]): Promise<void> {
    await this.write(gone.map(({ id, version }) => ({ id, version, replacement: { published: false } })));
  }

  /** The version each document holds (by id), and whether it is published: what a first sync compares with. */
  async versions(): Promise<Map<string, Version & { published: boolean }>> {
    const held = new Map<string, Version & { published: boolean }>();
    const fields = { recordVersion: 1, entitiesVersion: 1, derivedBy: 1, published: 1 };
    for await (const d of this.collection.find({}, { projection: fields }).batchSize(BATCH)) {
      held.set(String(d._id), { record: Number(d.recordVersion ?? -1), entities: Number(d.entitiesVersion ?? -1), derivedBy: String(d.derivedBy ?? ''), published: d.published === true });
    }
    return held;
  }

  /** Each document replaced only by a version at least as new as its own (`newerOrSame`). */
  private write(docs: { id: string; version: Version; replacement: Document }[]): Promise<void> {
    return replaceUnlessNewer(
      this.collection,
      docs.map(({ id, version, replacement }) => ({ _id: id, older: newerOrSame(version), replacement: { ...replacement, recordVersion: version.record, entitiesVersion: version.entities, derivedBy: version.derivedBy } })),
    );
  }

  async page(filter: ResolvedFilter, at: PageRequest, perPage: number): Promise<RefPage> {
    const match = this.match(filter);
    const direction = at.sort === 'oldest' ? 1 : -1;
    const sort = { start: direction, _id: direction } as const;
    if (at.after) {
      // The first incident past the cursor, in the order asked: its own index range, and how many come before it.
      const cut = parseCursor(at.after);
      const beyond = direction === -1 ? '$lt' : '$gt';
      const past = { $or: [{ start: { [beyond]: cut.start } }, { start: cut.start, _id: { [beyond]: cut.id } }] };
      const [docs, total, remaining] = await Promise.all([
        this.collection.find({ $and: [match, past] }, { projection: { ref: 1, start: 1 } }).sort(sort).limit(perPage).toArray(),
        this.collection.countDocuments(match),
        this.collection.countDocuments({ $and: [match, past] }),
      ]);
      return this.refPage(docs, total, total - remaining);
    }
    const startAt = ((at.page ?? 1) - 1) * perPage;
    const [docs, total] = await Promise.all([
      this.collection.find(match, { projection: { ref: 1, start: 1 } }).sort(sort).skip(startAt).limit(perPage).toArray(),
      this.collection.countDocuments(match),
    ]);
    return this.refPage(docs, total, startAt);
  }

  private refPage(docs: Document[], total: number, startAt: number): RefPage {
    const last = docs.at(-1);
    return { refs: docs.map((d) => d.ref as string), total, startAt, next: last && startAt + docs.length < total ? cursorOf({ start: last.start as number, id: String(last._id) }) : undefined };
  }

  async *refs(filter: ResolvedFilter) {
    let batch: string[] = [];
    for await (const doc of this.collection.find(this.match(filter), { projection: { ref: 1 } }).sort({ start: -1, _id: -1 }).batchSize(REFS_BATCH)) {
      batch.push(doc.ref as string);
      if (batch.length === REFS_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  count(filter: ResolvedFilter): Promise<number> {
    return this.collection.countDocuments(this.match(filter));
  }

  async facets(filter: ResolvedFilter): Promise<Facets> {
    const match = this.match(filter);
    const groups = (by: string, unwind: boolean) =>
      this.collection.aggregate<{ _id: unknown; n: number }>([{ $match: match }, ...(unwind ? [{ $unwind: `$${by}` }] : []), { $group: { _id: `$${by}`, n: { $sum: 1 } } }]).toArray();
    const counts = (rows: { _id: unknown; n: number }[]) => new Map(rows.map((g) => [String(g._id), g.n]));
    // Vendors and listing from the incidents' sets of vendors (few distinct sets): a vendor counts its
    // subsidiaries' incidents as its filter selects them, and the corporate graph is the entity index's.
    const [vendorSets, products, governments, countries, categories, years, ranks] = await Promise.all([
      groups('vendorIds', false),
      groups('productIds', true),
      groups('governmentIds', true),
      groups('countries', true),
      groups('categories', true),
      groups('year', false),
      groups('confidenceRank', false),
    ]);
    const entities = this.entities();
    const listed = entities.listedVendors();
    const vendors = new Map<string, number>();
    let listedN = 0;
    let total = 0;
    for (const { _id, n } of vendorSets) {
      const ids = (_id as string[] | null) ?? [];
      for (const key of vendorKeys(ids, entities)) vendors.set(key, (vendors.get(key) ?? 0) + n);
      if (ids.some((v) => listed.has(v))) listedN += n;
      total += n;
    }
    return {
      vendors: byCount(vendors),
      products: byCount(counts(products)),
      governments: byCount(counts(governments)),
      countries: byCount(counts(countries)),
      categories: byCount(counts(categories)),
      years: byYear(counts(years)),
      confidence: confidenceCounts(new Map(ranks.map((g) => [Number(g._id), g.n]))),
      listing: [
        { key: 'listed', n: listedN },
        { key: 'not-listed', n: total - listedN },
      ],
    };
  }

  async byRef(ref: string) {
    const doc = await this.collection.findOne({ ref, published: true }, { projection: { ref: 1, title: 1, year: 1 } });
    return doc ? { ref: doc.ref as string, title: doc.title as string, year: doc.year as number } : undefined;
  }

  async stats(filter: ResolvedFilter) {
    const match = this.match(filter);
    const [total, groups] = await Promise.all([this.collection.countDocuments(match), this.collection.aggregate<{ _id: number; n: number }>([{ $match: match }, { $group: { _id: '$year', n: { $sum: 1 } } }]).toArray()]);
    return { total, perYear: groups.map((g) => ({ year: g._id, n: g.n })).sort((a, b) => a.year - b.year) };
  }

  /** The filter as a query on the projection: the same conditions as the catalogue's `matches` and search. */
  private match(f: ResolvedFilter): Document {
    // Withdrawn incidents are markers (`remove`), never counted.
    const and: Document[] = [{ published: true }];
    if (f.vendorIds) and.push({ vendorIds: { $in: [...f.vendorIds] } });
    if (f.productId) and.push({ productIds: f.productId });
    if (f.governmentId) and.push({ governmentIds: f.governmentId });
    if (f.country) and.push({ countries: f.country });
    if (f.category) and.push({ categories: f.category });
    if (f.yearFrom) and.push({ year: { $gte: f.yearFrom } });
    if (f.yearTo) and.push({ year: { $lte: f.yearTo } });
    if (f.since !== undefined) and.push({ earliest: { $gte: f.since } });
    if (f.until !== undefined) and.push({ latest: { $lt: f.until } });
    if (f.minRank) and.push({ confidenceRank: { $gte: f.minRank } });
    if (f.listedVendors) and.push(f.listedVendors instanceof Set ? { vendorIds: { $in: [...f.listedVendors] } } : { vendorIds: { $nin: [...f.listedVendors.notIn] } });
    for (const token of f.tokens ?? []) {
      // As the catalogue searches: the incident's own text, or an entity (a vendor with its group) named so.
      const entities = this.entities();
      const ids = new Set<string>();
      for (const id of entities.matching(token)) {
        if (entities.byId.get(id)?.kind === 'vendor') for (const v of entities.vendorFamily(id)) ids.add(v);
        else ids.add(id);
      }
      const named = [...ids];
      and.push({ $or: [{ tokens: token }, ...(named.length ? [{ vendorIds: { $in: named } }, { productIds: { $in: named } }, { governmentIds: { $in: named } }] : [])] });
    }
    return { $and: and };
  }
}

/**
 * The projection kept equal to this process's read model, for READ_MODEL=mongodb: before a question
 * is answered, and every second, the entries the catalogue changed since the last sync (new,
 * re-derived or gone) are written to the projection, so the engine's answers are those the catalogue
 * would give. The catalogue learns every change (this process's events, the other processes' change
 * log), so the projection needs no subscription of its own.
 *
 * Every process writes what it learnt, so writes are ordered by version (`Version`), not by arrival:
 * an entry's version is its record's `updatedAt`, then the entities' last change (what it was derived
 * from), and a document is replaced only by a version at least as new. A withdrawn incident becomes a
 * marker with the version of the record as it left, not a delete, so a process that had not learnt
 * the withdrawal cannot bring the incident back, even after learning a later entity edit: it holds an
 * older record. A process that wrote with older entities than another (an entity edited meanwhile)
 * is overtaken by the first process that learns both. (The versions are the app hosts' clocks: keep
 * them synchronised.)
 *
 * The first sync after a start reads every document's version (one pass over the projection) and
 * writes only the entries whose version differs, or which the projection does not count, and marks
 * what it counts that the catalogue no longer holds (incidents withdrawn while no process ran); a
 * restart with nothing changed writes nothing, an upgrade (`derivedBy`) rewrites every entry. After
 * that a change costs a pass over the entries (a few ms at 100,000) and one write of what changed.
 */
export class FollowingProjection implements IncidentQueries {
  private readonly queries: MongoIncidentQueries;
  private written = new Map<string, Entry>();
  private syncedTo = '';
  private entities?: EntityIndex;
  private syncing: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(
    db: Db,
    private readonly catalogue: () => Promise<Catalogue>,
  ) {
    this.queries = new MongoIncidentQueries(db, () => this.entities!);
  }

  async start(everyMs = 1_000): Promise<this> {
    await this.queries.ensureIndexes();
    await this.current();
    this.timer = setInterval(() => void this.current().catch(() => undefined), everyMs);
    this.timer.unref();
    return this;
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.syncing;
  }

  /** Waits until the projection holds what the catalogue holds now. */
  private async current(): Promise<void> {
    const c = await this.catalogue();
    const next = this.syncing.then(() => this.sync(c));
    // One sync at a time; a failed one leaves `syncedTo` as it was, so the next one tries again.
    this.syncing = next.catch(() => undefined);
    await next;
  }

  private async sync(c: Catalogue): Promise<void> {
    const at = `${c.generation}:${c.version}`;
    if (at === this.syncedTo) return;
    const entities = c.entities.changedAt;
    const derivedBy = (await derivation()).slice(0, 16);
    const versionOf = (record: { updatedAt?: unknown } | undefined): Version => ({ record: record?.updatedAt ? new Date(record.updatedAt as string).getTime() : 0, entities, derivedBy });
    // The first sync after a start compares with what the projection holds (written by an earlier
    // run or by other processes) and writes what differs; later ones write what the catalogue changed.
    const held = this.syncedTo ? undefined : await this.queries.versions();
    const changed = held
      ? c.all.filter((e) => {
          const h = held.get(e.id);
          return !h?.published || !sameVersion(h, versionOf(e.doc));
        })
      : c.all.filter((e) => this.written.get(e.id) !== e);
    const goneIds = held ? [...held].filter(([id, h]) => h.published && !c.byId.has(id)).map(([id]) => id) : [...this.written.keys()].filter((id) => !c.byId.has(id));
    // Withdrawn: the version of the record as it left; deleted (an import undone): for good.
    const gone = goneIds.map((id) => {
      const record = c.working.get(id);
      return { id, version: record ? versionOf(record) : { record: Number.MAX_SAFE_INTEGER, entities, derivedBy } };
    });
    await this.queries.remove(gone);
    for (let i = 0; i < changed.length; i += BATCH) await this.queries.apply(changed.slice(i, i + BATCH).map((entry) => ({ entry, version: versionOf(entry.doc) })));
    for (const id of goneIds) this.written.delete(id);
    for (const e of held ? c.all : changed) this.written.set(e.id, e);
    this.entities = c.entities;
    this.syncedTo = at;
  }

  async page(filter: ResolvedFilter, at: PageRequest, perPage: number) {
    await this.current();
    return this.queries.page(filter, at, perPage);
  }

  async *refs(filter: ResolvedFilter) {
    await this.current();
    yield* this.queries.refs(filter);
  }

  async count(filter: ResolvedFilter) {
    await this.current();
    return this.queries.count(filter);
  }

  async facets(filter: ResolvedFilter) {
    await this.current();
    return this.queries.facets(filter);
  }

  async byRef(ref: string) {
    await this.current();
    return this.queries.byRef(ref);
  }

  async stats(filter: ResolvedFilter) {
    await this.current();
    return this.queries.stats(filter);
  }
}
