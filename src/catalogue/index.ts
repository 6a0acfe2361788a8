import { earliest, latest } from '../facts/dates.js';
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { Incident } from '../incidents/model.js';
import { queryTokens } from '../search/normalise.js';
import { changeAt, forgetChangeSeq, lastChangeSeq, recordChange, type Change } from '../events/changes.js';
import { subscribe, type DomainEvent } from '../events/index.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { EntityIndex } from './entities.js';
import { compareEntries, productVendorsOf, toEntry, type Entry } from './entry.js';
import { WorkingSet, type WorkingDoc } from './working.js';

/** The most entry ids the search lists hold together (about 40 MB). */
const POSTINGS_MAX = 1_000_000;

/**
 * The catalogue of published incidents: an in-process read model behind every public list,
 * filter, facet, search, profile statistic, chart and CSV.
 *
 * Why: FerretDB 1.24's SQLite backend uses no index for any query (explain: filterPushdown false,
 * "SCAN incidents"): at 100,000 incidents a filtered list or a count takes ~20 s. Public pages
 * only ever show verified public incidents, which change rarely and are read constantly, so they
 * are loaded once and kept here (with a list of incidents per searched word), and queries run in
 * memory. The incidents that are not public are held beside them (the working set). Commands
 * publish what they wrote as domain events (events/index.ts), which this read model applies from
 * the documents written (no read); other app processes apply the change log (events/changes.ts)
 * every few seconds.
 */
export class Catalogue {
  private entries: Entry[] = [];
  readonly byId = new Map<string, Entry>();
  readonly byRef = new Map<string, Entry>();
  /**
   * Search: a word → the entries whose own text has it. A word's list is made at its first search
   * (one pass over the entries' words, about 20 ms at 100,000) and kept up to date after, rather
   * than every word's at load: 8 million insertions at 100,000 incidents, 2.5 s of start-up and
   * about 40 MB. Bounded: past `POSTINGS_MAX` ids held, the lists are made again as searched.
   */
  private readonly postings = new Map<string, Set<string>>();
  private postingsHeld = 0;
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

  /** `memo` of an answer that may fail (one from the engine): a failed one is not kept, so the next request asks again. */
  memoAsync<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const answer = this.memo(key, compute);
    answer.catch(() => {
      if (this.memos.get(key) === answer) this.memos.delete(key);
    });
    return answer;
  }

  constructor(public entities: EntityIndex) {}

  /** The incidents that are not public (catalogue/working.ts): the reviewers' queue, restricted dossiers. */
  readonly working = new WorkingSet();
  private restrictedSet?: { version: number; entities: EntityIndex; catalogue: Catalogue };

  /**
   * Verified incidents that are restricted (not public), with the same filters and search: for
   * official dossiers and API token holders only. Taken from the working set (no read), made again
   * when it or the entities changed.
   */
  restricted(): Catalogue {
    const held = this.restrictedSet;
    if (held?.version === this.working.version && held.entities === this.entities) return held.catalogue;
    const catalogue = Catalogue.of(this.entities, this.working.verifiedRestricted());
    this.restrictedSet = { version: this.working.version, entities: this.entities, catalogue };
    return catalogue;
  }

  /** A product's vendor (the corporate graph held by the entity index). */
  /** A product's vendor now, or at a time (an incident's start: the corporate graph as of its dates). */
  readonly vendorOf = (productId: string, at?: number): string | undefined => this.entities.vendorAt(productId, at);

  /** Every incident, read once: the published ones become entries, the others the working set. */
  static async load(): Promise<Catalogue> {
    const catalogue = new Catalogue(await EntityIndex.load());
    // A batch at a time: the whole decoded set is never held at once (about 0.5 GB at 100,000).
    for await (const doc of Incident.find({}).lean().cursor({ batchSize: 1_000 })) catalogue.take(doc);
    return catalogue.ordered();
  }

  /** While loading: an incident, published (an entry, from its bytes if given) or not (the working set). Then `ordered()`. */
  take(doc: unknown, bytes?: Uint8Array): void {
    const held = doc as WorkingDoc;
    if (held.published) this.put(toEntry(doc as never, this.vendorOf, bytes), false);
    else this.working.put(held, bytes);
  }

  /** While loading: an entry as a snapshot stored it (derived by this code: catalogue/snapshot.ts). */
  putEntry(entry: Entry): void {
    this.put(entry, false);
  }

  /** After loading: the entries in their order. */
  ordered(): this {
    this.entries.sort(compareEntries);
    return this;
  }

  /**
   * A catalogue of the given incidents, with the same filters and search as the public one: for
   * sets that are not public (verified restricted incidents in an official dossier or the API).
   */
  static of(entities: EntityIndex, docs: unknown[]): Catalogue {
    const catalogue = new Catalogue(entities);
    for (const doc of docs) catalogue.put(toEntry(doc as never, catalogue.vendorOf), false);
    return catalogue.ordered();
  }

  get all(): readonly Entry[] {
    return this.entries;
  }

  private put(entry: Entry, keepSorted = true): void {
    this.remove(entry.id);
    this.byId.set(entry.id, entry);
    this.byRef.set(entry.ref, entry);
    for (const token of entry.tokens) this.postings.get(token)?.add(entry.id);
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
   * ones are (re)entered, the others leave for the working set. No read of the incidents collection (a scan of every
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
      if (doc.published) {
        this.working.remove(id);
        this.put(toEntry(doc as never, this.vendorOf));
      } else {
        this.remove(id);
        this.working.put(doc as WorkingDoc);
      }
    }
  }

  /** Where an incident is, published or not (`_id` by reference): every incident is held here. */
  idOf(ref: string): string | undefined {
    return this.byRef.get(ref)?.id ?? this.working.idOf(ref);
  }

  /** The highest reference number of a year among every incident held (db/sequence.ts knowRefNumber). */
  highestRefSeq(year: number): number {
    let highest = 0;
    for (const doc of [...this.entries, ...this.working.refNumbers()]) {
      if (doc.refYear === year && (doc.refSeq ?? 0) > highest) highest = doc.refSeq!;
    }
    return highest;
  }

  /**
   * An incident's whole record as held here (a fresh copy: callers may change it), published or not:
   * as this process wrote it, and as other processes' changes reached it through the change log.
   */
  recordOf(ref: string): Record<string, unknown> | undefined {
    const entry = this.byRef.get(ref);
    if (entry) return entry.doc;
    const id = this.working.idOf(ref);
    return id ? (this.working.get(id) as unknown as Record<string, unknown>) : undefined;
  }

  /** An incident's reference by its `_id`, published or not. */
  refOf(id: string): string | undefined {
    return this.byId.get(id)?.ref ?? this.working.refOf(id);
  }

  /** An incident deleted (an import undone). */
  forget(id: string): void {
    this.remove(id);
    this.working.remove(id);
  }

  /** Re-reads the given incidents, one `_id` lookup each (the one filter the embedded engine pushes down). */
  async refresh(ids: string[]): Promise<void> {
    for (const id of ids.filter((i) => mongoose.isValidObjectId(i))) {
      const doc = await Incident.findById(id).lean();
      if (doc) this.apply([doc]);
      else this.forget(id);
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
      if (JSON.stringify(productVendorsOf(entry.namedProducts, entry.start, this.vendorOf)) === JSON.stringify(entry.productVendors)) return entry;
      const next = toEntry(entry.doc as never, this.vendorOf, entry.bson);
      this.byId.set(next.id, next);
      this.byRef.set(next.ref, next);
      return next;
    });
    this.version += 1;
  }

  /** Ids of the entries whose own text has a search word. */
  private postingsOf(token: string): Set<string> {
    let ids = this.postings.get(token);
    if (!ids) {
      ids = new Set();
      for (const e of this.entries) if (e.tokens.includes(token)) ids.add(e.id);
      if (this.postingsHeld + ids.size > POSTINGS_MAX) {
        this.postings.clear();
        this.postingsHeld = 0;
      }
      this.postings.set(token, ids);
      this.postingsHeld += ids.size;
    }
    return ids;
  }

  /** Ids of entries matching a search token: own text, or an entity (or its group) named so. */
  private idsForToken(token: string): Set<string> {
    const ids = new Set(this.postingsOf(token));
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
  /** ms: the incident's earliest possible date is on or after it */
  since?: number;
  /** ms: the incident's latest possible date is before it */
  until?: number;
  minRank?: number;
  /** vendors whose incidents qualify (listed under the chosen regime), or 'none' for not listed */
  listedVendors?: Set<string> | { notIn: Set<string> };
  tokens?: string[];
}

export function filterKey(f: ResolvedFilter): string {
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
  if (f.since !== undefined && earliest(e.from).getTime() < f.since) return false;
  if (f.until !== undefined && latest(e.to ?? e.from).getTime() >= f.until) return false;
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
let poller: NodeJS.Timeout | undefined;

/** The last change of the log (catalogue/changes.ts) this process has applied, every one before it too. */
let applied = { seq: 0, nonce: '' };
/** Changes this process made: applied here before they were recorded, so not applied again. */
const own = new Set<number>();
let snapshot: { file: string; delayMs: number; timer?: NodeJS.Timeout } | undefined;
/** How the catalogue was last loaded: for the start-up log line and the tests. */
export const loadedFrom = {
  how: 'not loaded' as 'not loaded' | 'database' | 'snapshot',
  /** From a snapshot: its entries as stored, or derived again from their records (it was written by other code). */
  entries: 'derived' as 'stored' | 'derived',
  caughtUp: 0,
};

/** Keep a snapshot of the catalogue in `file` (server start-up): written `delayMs` after a change, read at the next start. */
export function keepSnapshot(file: string, delayMs = 30_000): void {
  snapshot = { file, delayMs };
}

async function loadFromDatabase(): Promise<Catalogue> {
  // The log's end first: a change made while the incidents are read is applied again after (idempotent).
  let seq = await lastChangeSeq();
  // An empty log (a database older than the log): a change that changes nothing, for a snapshot to end at.
  if (seq === 0 && snapshot) seq = (await recordChange({})).seq;
  const c = await Catalogue.load();
  applied = { seq, nonce: (await changeAt(seq))?.nonce ?? '' };
  loadedFrom.how = 'database';
  loadedFrom.entries = 'derived';
  loadedFrom.caughtUp = 0;
  scheduleSnapshot();
  return c;
}

async function load(): Promise<Catalogue> {
  const snap = snapshot ? await readSnapshot(snapshot.file) : undefined;
  // Trusted only if the change it ends at is in this database's log (not a database replaced since).
  if (snap && snap.seq > 0 && (await changeAt(snap.seq))?.nonce === snap.nonce) {
    const c = new Catalogue(await EntityIndex.load());
    if (!snap.each({ entry: (e) => c.putEntry(e), record: (doc, bytes) => c.take(doc, bytes) })) return loadFromDatabase();
    c.ordered();
    applied = { seq: snap.seq, nonce: snap.nonce };
    loadedFrom.how = 'snapshot';
    loadedFrom.entries = snap.current ? 'stored' : 'derived';
    // Derived again (other code wrote it: an upgrade): written anew, so the next start reads them stored.
    if (!snap.current) scheduleSnapshot();
    const caughtUp = await catchUp(c);
    loadedFrom.caughtUp = caughtUp.count;
    return caughtUp.catalogue;
  }
  return loadFromDatabase();
}

/**
 * Applies the changes recorded after the last one applied, in order: the incidents each names are
 * read again by `_id`, an entity change re-derives vendors, a replacement reloads everything. If
 * the last change applied is no longer in the log as it was (the database was replaced), everything
 * is reloaded.
 */
async function catchUp(c: Catalogue): Promise<{ catalogue: Catalogue; count: number }> {
  let count = 0;
  if (applied.seq > 0 && (await changeAt(applied.seq))?.nonce !== applied.nonce) return { catalogue: await loadFromDatabase(), count };
  for (;;) {
    const next = await changeAt(applied.seq + 1);
    if (!next) return { catalogue: c, count };
    count += 1;
    if (next.replaced) {
      c = await loadFromDatabase();
      continue;
    }
    if (!own.delete(next.seq)) {
      if (next.entities) await c.refreshEntities();
      if (next.incidents.length) await c.refresh(next.incidents);
      if (next.touched) c.touch();
    }
    applied = { seq: next.seq, nonce: next.nonce };
    scheduleSnapshot();
  }
}

function scheduleSnapshot(): void {
  if (!snapshot || snapshot.timer) return;
  snapshot.timer = setTimeout(() => void writeSnapshotNow().catch(() => undefined), snapshot.delayMs);
  snapshot.timer.unref();
}

/** The snapshot being written, if any: one at a time (they share a temporary file), and a shutdown waits for it. */
let writing: Promise<void> = Promise.resolve();

/** Writes the snapshot now if one is due (the delay after a change, or a clean shutdown); waits for one being written. */
export async function writeSnapshotNow(): Promise<void> {
  if (!snapshot?.timer || !current) return writing;
  clearTimeout(snapshot.timer);
  snapshot.timer = undefined;
  const file = snapshot.file;
  const c = await current;
  // Taken at one instant: the entries hold every change up to `applied` (and maybe some of this process's later ones, applied again after a restart).
  const taken = { seq: applied.seq, nonce: applied.nonce, entries: [...c.all], working: [...c.working.records()] };
  if (taken.seq === 0) return writing;
  const written = writing.then(() => writeSnapshot(file, taken));
  writing = written.catch(() => undefined);
  return written;
}

export function catalogue(): Promise<Catalogue> {
  current ??= load();
  return current;
}


/**
 * The verified incidents matching a filter, newest first: the public ones, and with
 * `includeRestricted` also the verified restricted ones (whose entries say so in `doc.visibility`).
 */
export async function verifiedEntries(filter: ResolvedFilter | 'nothing', includeRestricted: boolean): Promise<readonly Entry[]> {
  if (filter === 'nothing') return [];
  const c = await catalogue();
  if (!includeRestricted) return c.select(filter);
  const r = c.restricted();
  return [...c.select(filter), ...r.select(filter)].sort(compareEntries);
}

/**
 * The read model subscribes to the domain events (events/index.ts) when this module is loaded: each
 * is applied here, in turn, before it is recorded in the change log for the other processes.
 */
subscribe({
  async apply(event: DomainEvent) {
    switch (event.kind) {
      case 'incidents-written':
        // The documents as written (`returnDocument: 'after'`): entries from those, no read.
        return inTurn(async () => (await catalogue()).apply(event.docs));
      case 'incidents-changed':
        return inTurn(async () => (await catalogue()).refresh(event.ids.map(String)));
      case 'incidents-removed':
        return inTurn(async () => {
          const c = await catalogue();
          for (const id of event.ids) c.forget(String(id));
        });
      case 'entities-changed':
        return inTurn(async () => {
          if (current) await (await current).refreshEntities();
        });
      case 'public-data-changed':
        // A new version here, so no memo and no rendered page of the old one is served.
        return inTurn(async () => {
          if (current) (await current).touch();
        });
      case 'replaced':
        // Dropped: the next read loads everything again.
        current = undefined;
        return;
    }
  },
  /** A change this process applied already, now in the log: applied, unless another process's lies between. */
  recorded(change: Change) {
    if (change.replaced) return;
    if (change.seq === applied.seq + 1) {
      // Next in the log: nothing of another process's lies between, so it counts as applied.
      applied = { seq: change.seq, nonce: change.nonce };
      scheduleSnapshot();
    } else if (change.seq > applied.seq) own.add(change.seq);
  },
});

/** Changes other processes made: applied every few seconds, in the background; pages are served meanwhile. */
export function watchForOtherProcesses(intervalMs = 3_000): void {
  if (poller) return;
  poller = setInterval(() => {
    void inTurn(async () => {
      if (!current) return;
      const { catalogue: next } = await catchUp(await current);
      current = Promise.resolve(next);
    }).catch(() => undefined);
  }, intervalMs);
  poller.unref();
}

/**
 * Stops watching; resolves once a catch-up already under way has ended. Without that wait, a
 * catch-up begun just before a reset (tests empty the database between cases) went on against the
 * next case's change log and left its own idea of the last change applied.
 */
export async function stopWatching(): Promise<void> {
  if (poller) clearInterval(poller);
  poller = undefined;
  await changes;
}

/** Tests empty the database between cases: forget what was loaded. */
export function resetCatalogue(): void {
  current = undefined;
  applied = { seq: 0, nonce: '' };
  own.clear();
  if (snapshot?.timer) clearTimeout(snapshot.timer);
  snapshot = undefined;
  loadedFrom.how = 'not loaded';
  loadedFrom.entries = 'derived';
  forgetChangeSeq();
}
