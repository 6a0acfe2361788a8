import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, openSync, fsyncSync, writeSync, closeSync, renameSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open as openFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { chunkedOpener, chunkedSealer, isChunked, openBuffer, SEAL_CHUNK, SEAL_RECORD, sealChunked } from '../vault/index.js';

/**
 * Files sealed with AES-256-GCM (evidence under DATA_DIR/evidence, dossiers under DATA_DIR/dossiers),
 * named by a random id (never the uploader's file name). Written in records of 64 KiB
 * (vault `sealChunked`; `writeFrom` seals a file as it is produced), so a download is opened and
 * sent record by record (`stream`) with memory flat in the file's size; files written whole by
 * earlier versions (`sealBuffer`) still open. Written atomically: a temporary file, fsync, then
 * rename — so a crash leaves either no file or a whole one. The database record is written after the
 * file; files no record refers to are swept at start-up.
 *
 * Why not GridFS here: it works on FerretDB 1.24, but every chunk read is a full scan of the chunks
 * collection (FerretDB 1.24 uses no index), so downloads would slow down with every file stored.
 */
export class SealedFileStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  write(plain: Buffer): string {
    const id = randomBytes(16).toString('hex');
    const temp = path.join(this.dir, `.${id}.tmp`);
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, sealChunked(plain));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path.join(this.dir, `${id}.bin`));
    return id;
  }

  /**
   * Writes a file as it is produced (a dossier's ZIP as it is zipped): sealed a record at a time, so
   * memory stays flat in its size, with the SHA-256 and size of its plain bytes. Its records are laid
   * out as `write` lays them out (`stream` reads both). Atomic as `write`: a source that fails leaves no file.
   */
  async writeFrom(source: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<{ id: string; size: number; sha256: string }> {
    const id = randomBytes(16).toString('hex');
    const temp = path.join(this.dir, `.${id}.tmp`);
    const handle = await openFile(temp, 'w', 0o600);
    const hash = createHash('sha256');
    let size = 0;
    const writeAll = async (bytes: Buffer) => {
      for (let at = 0; at < bytes.length; ) at += (await handle.write(bytes, at)).bytesWritten;
    };
    try {
      const sealer = chunkedSealer();
      await writeAll(sealer.header);
      // A full record is sealed only once more bytes follow it: the last record is marked as such.
      let pending: Buffer = Buffer.alloc(0);
      let index = 0;
      for await (const part of source) {
        hash.update(part);
        size += part.length;
        pending = pending.length ? Buffer.concat([pending, part]) : part;
        while (pending.length > SEAL_CHUNK) {
          await writeAll(sealer.seal(pending.subarray(0, SEAL_CHUNK), index++, false));
          pending = pending.subarray(SEAL_CHUNK);
        }
      }
      await writeAll(sealer.seal(pending, index, true));
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    renameSync(temp, path.join(this.dir, `${id}.bin`));
    return { id, size, sha256: hash.digest('hex') };
  }

  private file(id: string): string {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new Error('bad file id');
    return path.join(this.dir, `${id}.bin`);
  }

  read(id: string): Buffer {
    const sealed = readFileSync(this.file(id));
    if (!isChunked(sealed)) return openBuffer(sealed);
    const opener = chunkedOpener(sealed);
    const parts: Buffer[] = [];
    const records = recordsOf(sealed.length, opener.headerLength);
    for (const r of records) parts.push(opener.open(sealed.subarray(r.at, r.at + r.length), r.index, r.last));
    return Buffer.concat(parts);
  }

  /**
   * The file's plain bytes, a record at a time, each authenticated before it is given out: a file
   * altered, reordered or cut short throws at the first record that does not open (never after
   * handing out bytes of a record that did not). A file written whole comes in one piece.
   */
  async *stream(id: string): AsyncGenerator<Buffer> {
    const handle = await openFile(this.file(id), 'r');
    try {
      const { size } = await handle.stat();
      const start = Buffer.alloc(Math.min(size, 3 + 1 + 255 + 7));
      await handle.read(start, 0, start.length, 0);
      if (!isChunked(start)) {
        yield openBuffer(readFileSync(this.file(id)));
        return;
      }
      const opener = chunkedOpener(start);
      for (const r of recordsOf(size, opener.headerLength)) {
        const record = Buffer.alloc(r.length);
        const { bytesRead } = await handle.read(record, 0, r.length, r.at);
        if (bytesRead !== r.length) throw new Error('sealed file cut short');
        yield opener.open(record, r.index, r.last);
      }
    } finally {
      await handle.close();
    }
  }

  /** SHA-256 of the file's plain bytes, read a record at a time. */
  async sha256(id: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const part of this.stream(id)) hash.update(part);
    return hash.digest('hex');
  }

  remove(id: string): void {
    if (/^[0-9a-f]{32}$/.test(id)) rmSync(this.file(id), { force: true });
  }

  /**
   * Files older than `graceMs`: temporary ones (interrupted writes) and whole ones no record names.
   * A younger temporary file may be another process's write in progress (a dossier is written as it
   * is zipped, for a second or more); a process alone with its directory sweeps with no grace.
   */
  sweep(referenced: Set<string>, graceMs = 10 * 60_000): string[] {
    const removed: string[] = [];
    for (const name of readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      const id = name.replace(/^\./, '').replace(/\.(bin|tmp)$/, '');
      const stale = Date.now() - statSync(file).mtimeMs > graceMs;
      if (stale && (name.endsWith('.tmp') || !referenced.has(id))) {
        rmSync(file, { force: true });
        removed.push(name);
      }
    }
    return removed;
  }
}

/** Where each record of a record-sealed file of `size` bytes lies (the last may be shorter; an empty file has one, empty). */
function recordsOf(size: number, headerLength: number): { at: number; length: number; index: number; last: boolean }[] {
  const records = [];
  for (let at = headerLength, index = 0; at < size || index === 0; at += SEAL_RECORD, index++) {
    const length = Math.min(SEAL_RECORD, size - at);
    records.push({ at, length, index, last: at + length >= size });
  }
  return records;
}
