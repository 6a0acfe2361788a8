import { readFile, rename, writeFile } from 'node:fs/promises';
import { BSON } from 'mongodb';

/**
 * Every incident as the catalogue held it after change `seq` (its published entries and its
 * working set, catalogue/working.ts), in one file under DATA_DIR, so that a start reads a file and
 * the changes since instead of every incident (a scan of the whole collection: about a minute at
 * 100,000 on the embedded engine). BSON keeps what the
 * database returned (dates, ObjectIds) exactly. A header document first, then one per incident.
 * Written to a temporary file and renamed, so a crash leaves the previous snapshot or this one.
 */
// 2: every incident (1 held the published ones only, and is read as no snapshot: a start reads the database once).
const FORMAT = 'catalogue-snapshot-2';

export interface Snapshot {
  seq: number;
  nonce: string;
  /** Each incident, as a document or as its BSON bytes. */
  docs: (Record<string, unknown> | Uint8Array)[];
}

export async function writeSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  const parts = [BSON.serialize({ format: FORMAT, seq: snapshot.seq, nonce: snapshot.nonce, count: snapshot.docs.length })];
  for (const doc of snapshot.docs) parts.push(doc instanceof Uint8Array ? doc : BSON.serialize(doc));
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, Buffer.concat(parts), { mode: 0o600 });
  await rename(temporary, file);
}

/** A snapshot file as read: its header, and its incidents one at a time. */
export interface SnapshotFile {
  seq: number;
  nonce: string;
  /**
   * Hands each incident to `take`, decoded and as its bytes (views of the file read, which the
   * catalogue keeps: catalogue/entry.ts), one at a time, so that the whole decoded set is never held
   * at once. False if the file is damaged or holds fewer or more incidents than its header says.
   */
  each(take: (doc: Record<string, unknown>, bytes: Uint8Array) => void): boolean;
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
    const size = buffer.readInt32LE(at);
    if (size < 5 || at + size > buffer.length) throw new Error('cut short');
    return size;
  };
  let header: { format?: string; seq?: number; nonce?: string; count?: number };
  let first: number;
  try {
    first = sizeAt(0);
    header = BSON.deserialize(buffer.subarray(0, first));
  } catch {
    return undefined;
  }
  if (header.format !== FORMAT || typeof header.seq !== 'number' || typeof header.nonce !== 'string') return undefined;
  return {
    seq: header.seq,
    nonce: header.nonce,
    each(take) {
      try {
        let count = 0;
        for (let at = first; at < buffer.length; count++) {
          const bytes = buffer.subarray(at, at + sizeAt(at));
          take(BSON.deserialize(bytes), bytes);
          at += bytes.length;
        }
        return count === header.count;
      } catch {
        return false;
      }
    },
  };
}
