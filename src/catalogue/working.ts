import { BSON } from 'mongodb';
import { unlinkedOperators, type StoredClaim } from '../incidents/claims.js';

/**
 * The incidents that are not public (drafts, in review, sent back, verified but restricted,
 * retracted): the reviewers' working set, held beside the catalogue's published entries and kept
 * the same way (loaded with them, in the same snapshot, updated from each document a command wrote
 * and from other processes' changes). Why: the review queue listed them with a
 * `{published: false}` query sorted by date, a scan of every incident on the embedded engine
 * (13–30 s at 100,000); official dossiers read the verified restricted ones with another scan.
 *
 * Like a published entry, each record is held as its BSON bytes (about 1 KB) with the few fields
 * its lists sort and filter by, and decoded when a page needs it (a fresh copy each time): as
 * objects, 15,000 of them took 68 MB of heap.
 *
 * It has a version of its own: a draft changing does not make the public pages' cached copies old.
 */
export interface WorkingDoc {
  _id: unknown;
  ref: string;
  refYear?: number;
  refSeq?: number;
  published?: boolean;
  visibility?: string;
  updatedAt?: Date | string;
  verification?: { status?: string | null } | null;
  attributions?: StoredClaim[];
}

/** What is held of one incident. */
interface Held {
  ref: string;
  refYear?: number;
  refSeq?: number;
  updatedAt: number;
  verifiedRestricted: boolean;
  unlinkedOperators: boolean;
  bson: Uint8Array;
}

export class WorkingSet {
  private readonly held = new Map<string, Held>();
  private readonly idOfRef = new Map<string, string>();
  private byRecent?: [string, Held][];
  version = 0;

  /** An incident as written (or as read), and its BSON bytes when the caller holds them (a snapshot). */
  put(doc: WorkingDoc, bytes?: Uint8Array): void {
    const id = String(doc._id);
    this.remove(id);
    this.held.set(id, {
      ref: doc.ref,
      ...(doc.refYear !== undefined ? { refYear: doc.refYear } : {}),
      ...(doc.refSeq !== undefined ? { refSeq: doc.refSeq } : {}),
      updatedAt: time(doc.updatedAt),
      verifiedRestricted: doc.verification?.status === 'verified' && doc.visibility === 'restricted',
      unlinkedOperators: unlinkedOperators(doc.attributions ?? []).length > 0,
      bson: bytes ?? BSON.serialize(doc, { ignoreUndefined: true }),
    });
    this.idOfRef.set(doc.ref, id);
    this.changed();
  }

  remove(id: string): void {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    this.idOfRef.delete(held.ref);
    this.changed();
  }

  /** An incident's record (a fresh copy: callers may change it). */
  get(id: string): WorkingDoc | undefined {
    const held = this.held.get(id);
    return held ? decode(held) : undefined;
  }

  idOf(ref: string): string | undefined {
    return this.idOfRef.get(ref);
  }

  /** An incident's reference, without decoding its record. */
  refOf(id: string): string | undefined {
    return this.held.get(id)?.ref;
  }

  private changed(): void {
    this.version += 1;
    this.byRecent = undefined;
    this.memos.clear();
  }

  private readonly memos = new Map<string, unknown>();

  /** A result computed once per version of the working set (at most 200 kept). */
  memo<T>(key: string, compute: () => T): T {
    if (this.memos.size > 200) this.memos.clear();
    if (!this.memos.has(key)) this.memos.set(key, compute());
    return this.memos.get(key) as T;
  }

  get size(): number {
    return this.held.size;
  }

  /** Every record's bytes (the snapshot). */
  *records(): IterableIterator<Uint8Array> {
    for (const held of this.held.values()) yield held.bson;
  }

  /** Every incident's reference year and number (the next number at start-up). */
  *refNumbers(): IterableIterator<{ refYear?: number; refSeq?: number }> {
    yield* this.held.values();
  }

  /**
   * One page of the incidents by last change (`updatedAt`, then reference), newest first, and how
   * many there are. Sorted, and each page decoded, once per version: the page's records are shared
   * between requests (not to be changed).
   */
  recent(page: number, perPage: number): { docs: readonly WorkingDoc[]; total: number } {
    this.byRecent ??= [...this.held].sort(([, a], [, b]) => b.updatedAt - a.updatedAt || b.ref.localeCompare(a.ref));
    const byRecent = this.byRecent;
    return this.memo(`recent:${page}:${perPage}`, () => ({ docs: byRecent.slice((page - 1) * perPage, page * perPage).map(([, held]) => decode(held)), total: byRecent.length }));
  }

  /** Verified incidents that are restricted: what official dossiers and API token holders may add to the public ones. */
  verifiedRestricted(): WorkingDoc[] {
    return [...this.held.values()].filter((h) => h.verifiedRestricted).map(decode);
  }

  /** Incidents whose operator claims link nothing although they name products or vendors (the reviewers' list). */
  withUnlinkedOperators(): WorkingDoc[] {
    return [...this.held.values()].filter((h) => h.unlinkedOperators).map(decode);
  }
}

function decode(held: Held): WorkingDoc {
  return BSON.deserialize(held.bson) as WorkingDoc;
}

function time(at: Date | string | undefined): number {
  return at ? new Date(at).getTime() : 0;
}
