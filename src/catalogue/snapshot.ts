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
  /** Each incident, decoded (read) or as a document or its BSON bytes (written). */
  docs: (Record<string, unknown> | Uint8Array)[];
}

export async function writeSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  const parts = [BSON.serialize({ format: FORMAT, seq: snapshot.seq, nonce: snapshot.nonce, count: snapshot.docs.length })];
  for (const doc of snapshot.docs) parts.push(doc instanceof Uint8Array ? doc : BSON.serialize(doc));
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, Buffer.concat(parts), { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * The snapshot, or undefined if there is none or it is not one this version wrote completely. Each
 * incident decoded, and its bytes (views of the file read, which the catalogue keeps: catalogue/entry.ts).
 */
export async function readSnapshot(file: string): Promise<(Snapshot & { docs: Record<string, unknown>[]; bytes: Uint8Array[] }) | undefined> {
  let buffer: Buffer;
  try {
    buffer = await readFile(file);
  } catch {
    return undefined;
  }
  try {
    const next = (at: number) => {
      const size = buffer.readInt32LE(at);
      const bytes = buffer.subarray(at, at + size);
      return { doc: BSON.deserialize(bytes), bytes, end: at + size };
    };
    const head = next(0);
    const header = head.doc as { format?: string; seq?: number; nonce?: string; count?: number };
    if (header.format !== FORMAT || typeof header.seq !== 'number' || typeof header.nonce !== 'string') return undefined;
    const docs: Record<string, unknown>[] = [];
    const bytes: Uint8Array[] = [];
    let at = head.end;
    while (at < buffer.length) {
      const read = next(at);
      docs.push(read.doc);
      bytes.push(read.bytes);
      at = read.end;
    }
    return docs.length === header.count ? { seq: header.seq, nonce: header.nonce, docs, bytes } : undefined;
  } catch {
    return undefined;
  }
}
