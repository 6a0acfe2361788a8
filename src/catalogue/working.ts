/**
 * The incidents that are not public (drafts, in review, sent back, verified but restricted,
 * retracted): the reviewers' working set, held beside the catalogue's published entries and kept
 * the same way (loaded with them, in the same snapshot, updated from each document a command wrote
 * and from other processes' changes). Why: the review queue listed them with a
 * `{published: false}` query sorted by date, a scan of every incident on the embedded engine
 * (13–30 s at 100,000); official dossiers read the verified restricted ones with another scan.
 *
 * It has a version of its own: a draft changing does not make the public pages' cached copies old.
 */
export interface WorkingDoc {
  _id: unknown;
  ref: string;
  published?: boolean;
  visibility?: string;
  updatedAt?: Date | string;
  verification?: { status?: string | null } | null;
}

export class WorkingSet {
  private readonly docs = new Map<string, WorkingDoc>();
  private readonly idOfRef = new Map<string, string>();
  private byRecent?: WorkingDoc[];
  version = 0;

  put(doc: WorkingDoc): void {
    this.docs.set(String(doc._id), doc);
    this.idOfRef.set(doc.ref, String(doc._id));
    this.changed();
  }

  remove(id: string): void {
    const doc = this.docs.get(id);
    if (!doc) return;
    this.docs.delete(id);
    this.idOfRef.delete(doc.ref);
    this.changed();
  }

  get(id: string): WorkingDoc | undefined {
    return this.docs.get(id);
  }

  idOf(ref: string): string | undefined {
    return this.idOfRef.get(ref);
  }

  private changed(): void {
    this.version += 1;
    this.byRecent = undefined;
    this.memos.clear();
  }

  private readonly memos = new Map<string, unknown>();

  /** A result computed once per version of the working set. */
  memo<T>(key: string, compute: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, compute());
    return this.memos.get(key) as T;
  }

  get size(): number {
    return this.docs.size;
  }

  all(): IterableIterator<WorkingDoc> {
    return this.docs.values();
  }

  /** One page of the incidents by last change (`updatedAt`, then reference), newest first, and how many there are. Sorted once per version. */
  recent(page: number, perPage: number): { docs: WorkingDoc[]; total: number } {
    this.byRecent ??= [...this.docs.values()].sort((a, b) => time(b.updatedAt) - time(a.updatedAt) || b.ref.localeCompare(a.ref));
    return { docs: this.byRecent.slice((page - 1) * perPage, page * perPage), total: this.byRecent.length };
  }

  /** Verified incidents that are restricted: what official dossiers and API token holders may add to the public ones. */
  verifiedRestricted(): WorkingDoc[] {
    return [...this.docs.values()].filter((d) => d.verification?.status === 'verified' && d.visibility === 'restricted');
  }
}

function time(at: Date | string | undefined): number {
  return at ? new Date(at).getTime() : 0;
}
