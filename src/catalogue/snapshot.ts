import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Binary, BSON } from 'mongodb';
import type { Operation } from '../incidents/claims.js';
import { heldEntry, NONE, shared, type Entry } from './entry.js';

/**
 * Every incident as the catalogue held it after change `seq` (its published entries and its
 * working set, catalogue/working.ts), in one file under DATA_DIR, so that a start reads a file and
 * the changes since instead of every incident (a scan of the whole collection: about a minute at
 * 100,000 on the embedded engine). BSON keeps what the database returned (dates, ObjectIds)
 * exactly. Written to a temporary file and renamed, so a crash leaves the previous snapshot or
 * this one.
 *
 * A published incident is stored with what the catalogue derived from it (its entry: lists,
 * search words, vendors as of its dates), so that a start does not derive 100,000 entries again
 * (decoding every record and deriving took 6 of the 11–15 s of a start). The entries are used only
 * if they were derived by this very code (`derivation`: the app's source and locale files, its
 * libraries' and Node's versions); after an upgrade each record is derived again from its bytes, once.
 *
 * Layout: a header document (with every string the entries' lists hold, once), then per published
 * incident its entry's fields and its record, then each incident of the working set.
 */
// 3: entries stored with their records (2 held the records only, and is read as no snapshot: a start reads the database once).
const FORMAT = 'catalogue-snapshot-3';

export interface Snapshot {
  seq: number;
  nonce: string;
  /** Taken at one instant (copies: the catalogue goes on changing while this is written). */
  entries: readonly Entry[];
  /** The working set's records, as their BSON bytes. */
  working: readonly Uint8Array[];
}

/** Records encoded between two turns of the event loop: writing 100,000 takes seconds of CPU, and pages are served meanwhile. */
const PER_TURN = 1_000;

export async function writeSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  const strings = new StringTable();
  const parts: Uint8Array[] = [];
  for (const [n, e] of snapshot.entries.entries()) {
    parts.push(encodeEntry(e, strings), e.bson);
    if (n % PER_TURN === PER_TURN - 1) await nextTurn();
  }
  parts.push(...snapshot.working);
  const header = { format: FORMAT, seq: snapshot.seq, nonce: snapshot.nonce, derivation: await derivation(), entries: snapshot.entries.length, working: snapshot.working.length, strings: strings.list };
  parts.unshift(BSON.serialize(header));
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    // In batches, never one buffer of the whole file (about 1.4 KB an incident).
    for (let at = 0; at < parts.length; at += PER_TURN) await handle.writev(parts.slice(at, at + PER_TURN));
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a reader of the snapshot is handed, one incident at a time. */
export interface SnapshotTaker {
  /** A published incident's entry as stored (its record's bytes are a view of the file read, which the catalogue keeps). */
  entry(entry: Entry): void;
  /** An incident to derive (or to hold in the working set): decoded, and as its bytes. */
  record(doc: Record<string, unknown>, bytes: Uint8Array): void;
}

/** A snapshot file as read: its header, and its incidents one at a time. */
export interface SnapshotFile {
  seq: number;
  nonce: string;
  /** Whether its entries were derived by this code (if not, `each` hands their records to derive again). */
  current: boolean;
  /**
   * Hands each incident to `take`, one at a time, so that the whole decoded set is never held at
   * once. False if the file is damaged or holds fewer or more incidents than its header says.
   */
  each(take: SnapshotTaker): boolean;
}

/** The snapshot's header, or undefined if there is no file or it is not one this version wrote. */
export async function readSnapshot(file: string): Promise<SnapshotFile | undefined> {
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch {
    return undefined;
  }
  const sizeAt = (at: number) => {
    if (at + 4 > buffer.length) throw new Error('cut short');
    const size = buffer.readInt32LE(at);
    if (size < 5 || at + size > buffer.length) throw new Error('cut short');
    return size;
  };
  let header: { format?: string; seq?: number; nonce?: string; derivation?: string; entries?: number; working?: number; strings?: string[] };
  let first: number;
  try {
    first = sizeAt(0);
    header = BSON.deserialize(buffer.subarray(0, first));
  } catch {
    return undefined;
  }
  const { seq, nonce, entries, working, strings } = header;
  if (header.format !== FORMAT || typeof seq !== 'number' || typeof nonce !== 'string' || typeof entries !== 'number' || typeof working !== 'number' || !Array.isArray(strings)) return undefined;
  const current = header.derivation === (await derivation());
  return {
    seq,
    nonce,
    current,
    each(take) {
      try {
        const table = strings.map(shared);
        let at = first;
        const next = () => {
          const bytes = buffer.subarray(at, at + sizeAt(at));
          at += bytes.length;
          return bytes;
        };
        for (let n = 0; n < entries; n++) {
          const fields = next();
          const record = next();
          if (current) take.entry(decodeEntry(fields, record, table));
          else take.record(BSON.deserialize(record), record);
        }
        for (let n = 0; n < working; n++) {
          const record = next();
          take.record(BSON.deserialize(record), record);
        }
        return at === buffer.length;
      } catch {
        return false;
      }
    },
  };
}

class StringTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  of(text: string): number {
    let at = this.index.get(text);
    if (at === undefined) {
      at = this.list.length;
      this.list.push(text);
      this.index.set(text, at);
    }
    return at;
  }
}

/** The order of an entry's string lists in its stored numbers. */
const LISTS = ['countries', 'categories', 'productIds', 'vendorIds', 'governmentIds', 'leadIds', 'namedProducts', 'tokens'] as const;

/**
 * An entry's fields: its scalars as BSON, and every list as numbers (indexes into the header's
 * strings) in one binary field, which reads back without decoding a string per search word.
 */
function encodeEntry(e: Entry, strings: StringTable): Uint8Array {
  const numbers: number[] = [];
  const optional = (text: string | undefined) => (text === undefined ? -1 : strings.of(text));
  for (const name of LISTS) {
    numbers.push(e[name].length);
    for (const text of e[name]) numbers.push(strings.of(text));
  }
  numbers.push(e.attributions.length);
  for (const a of e.attributions) numbers.push(strings.of(a.kind), strings.of(a.id), strings.of(a.confidence), a.finding ? 1 : 0);
  numbers.push(e.operations.length);
  for (const o of e.operations) numbers.push(strings.of(o.government), optional(o.product), optional(o.vendor), strings.of(o.confidence), o.finding ? 1 : 0);
  const vendors = Object.entries(e.productVendors);
  numbers.push(vendors.length);
  for (const [product, vendor] of vendors) numbers.push(strings.of(product), strings.of(vendor));
  const { id, ref, refYear, refSeq, title, titles, start, from, to, year, confidenceRank, verifiedAt, unlinkedOperators } = e;
  const scalars = { id, ref, refYear, refSeq, title, titles, start, from, to, year, confidenceRank, verifiedAt, unlinkedOperators };
  return BSON.serialize({ ...scalars, lists: new Binary(new Uint8Array(Int32Array.from(numbers).buffer)) }, { ignoreUndefined: true });
}

/** Reads an entry's stored numbers back into strings and lists (methods, not closures: this runs 100,000 times at a start). */
class NumbersReader {
  private at = 0;
  constructor(
    private readonly bytes: Buffer,
    private readonly table: readonly string[],
  ) {}

  number(): number {
    const n = this.bytes.readInt32LE(this.at);
    this.at += 4;
    return n;
  }

  string(): string {
    const text = this.table[this.number()];
    if (text === undefined) throw new Error('damaged');
    return text;
  }

  optional(): string | undefined {
    return this.bytes.readInt32LE(this.at) === -1 ? (this.at += 4, undefined) : this.string();
  }

  list(): string[] {
    const length = this.number();
    if (!length) return NONE;
    const items = new Array<string>(length);
    for (let i = 0; i < length; i++) items[i] = this.string();
    return items;
  }

  get done(): boolean {
    return this.at === this.bytes.length;
  }
}

function decodeEntry(fields: Uint8Array, bson: Uint8Array, table: readonly string[]): Entry {
  const f = BSON.deserialize(fields, { promoteBuffers: true }) as Omit<Entry, 'doc' | 'bson'> & { lists: Buffer };
  const read = new NumbersReader(f.lists, table);
  const countries = read.list();
  const categories = read.list();
  const productIds = read.list();
  const vendorIds = read.list();
  const governmentIds = read.list();
  const leadIds = read.list();
  const namedProducts = read.list();
  const tokens = read.list();
  const attributions: Entry['attributions'] = [];
  for (let n = read.number(); n > 0; n--) attributions.push({ kind: read.string(), id: read.string(), confidence: read.string(), finding: read.number() === 1 });
  let operations = NONE as unknown as Operation[];
  for (let n = read.number(); n > 0; n--) {
    if (operations.length === 0) operations = [];
    const government = read.string();
    const product = read.optional();
    const vendor = read.optional();
    operations.push({ government, ...(product ? { product } : {}), ...(vendor ? { vendor } : {}), confidence: read.string(), finding: read.number() === 1 });
  }
  const productVendors: Record<string, string> = {};
  for (let n = read.number(); n > 0; n--) {
    const product = read.string();
    productVendors[product] = read.string();
  }
  if (!read.done) throw new Error('damaged');
  return heldEntry({
    id: f.id,
    ref: f.ref,
    refYear: f.refYear,
    refSeq: f.refSeq,
    title: f.title,
    titles: f.titles,
    start: f.start,
    from: f.from,
    ...(f.to ? { to: f.to } : {}),
    year: f.year,
    countries,
    categories,
    productIds,
    vendorIds,
    governmentIds,
    leadIds,
    attributions,
    productVendors,
    operations,
    confidenceRank: f.confidenceRank,
    tokens,
    verifiedAt: f.verifiedAt,
    namedProducts,
    unlinkedOperators: f.unlinkedOperators,
    bson,
  });
}

let derived: Promise<string> | undefined;

/**
 * A digest of everything an entry is derived by: the app's source and locale files (src/: the
 * claims rules, the tokenizer, country and category names), its libraries' versions
 * (package-lock.json) and Node's (its Unicode data folds text). Read once per process.
 */
export function derivation(): Promise<string> {
  derived ??= (async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const hash = createHash('sha256');
    const files = (await readdir(path.join(root, 'src'), { recursive: true, withFileTypes: true }))
      .filter((f) => f.isFile())
      .map((f) => path.join(f.parentPath, f.name))
      .sort();
    for (const file of [...files, path.join(root, 'package-lock.json')]) {
      hash.update(path.relative(root, file)).update('\0');
      hash.update(await readFile(file).catch(() => Buffer.alloc(0))).update('\0');
    }
    // Folding (String.prototype.normalize) and collation come with Node's ICU.
    hash.update(JSON.stringify([process.versions.node, process.versions.icu, process.versions.unicode]));
    return hash.digest('hex');
  })();
  return derived;
}
