import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, fsyncSync, writeSync, closeSync, renameSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { openBuffer, sealBuffer } from '../vault/index.js';

/**
 * Files sealed with AES-256-GCM (evidence under DATA_DIR/evidence, dossiers under DATA_DIR/dossiers),
 * named by a random id (never the uploader's file name). Written atomically: a temporary file, fsync, then rename — so a crash
 * leaves either no file or a whole one. The database record is written after the file; files no
 * record refers to are swept at start-up.
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
      writeSync(fd, sealBuffer(plain));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path.join(this.dir, `${id}.bin`));
    return id;
  }

  read(id: string): Buffer {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new Error('bad file id');
    return openBuffer(readFileSync(path.join(this.dir, `${id}.bin`)));
  }

  remove(id: string): void {
    if (/^[0-9a-f]{32}$/.test(id)) rmSync(path.join(this.dir, `${id}.bin`), { force: true });
  }

  /** Temporary files of interrupted writes, and whole files older than `graceMs` that no record names. */
  sweep(referenced: Set<string>, graceMs = 10 * 60_000): string[] {
    const removed: string[] = [];
    for (const name of readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      const id = name.replace(/^\./, '').replace(/\.(bin|tmp)$/, '');
      const stale = Date.now() - statSync(file).mtimeMs > graceMs;
      if (name.endsWith('.tmp') || (stale && !referenced.has(id))) {
        rmSync(file, { force: true });
        removed.push(name);
      }
    }
    return removed;
  }
}
