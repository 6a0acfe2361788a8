import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export class DataDirError extends Error {}

const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  ENOTDIR: 'a part of the path is a file, not a directory',
};

function explain(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return `${reasons[code] ?? (err as Error).message} (${code || 'error'})`;
}

/**
 * Makes sure DATA_DIR exists and can be written before anything starts, and says plainly what is
 * wrong with it otherwise (not "no database engine is available"). Files the app and the embedded
 * engine create are private to the user running it (umask 077); the engine's SQLite files from
 * earlier runs are brought to 0600.
 */
export function prepareDataDir(dir: string): void {
  process.umask(0o077);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new DataDirError(`DATA_DIR ${dir} cannot be created: ${explain(err)}. Create it, or set DATA_DIR to a directory this user can write.`);
  }
  if (!statSync(dir).isDirectory()) throw new DataDirError(`DATA_DIR ${dir} is not a directory.`);
  try {
    probeWrite(dir);
  } catch (err) {
    throw new DataDirError(`DATA_DIR ${dir} cannot be written: ${explain(err)}. The database, evidence and dossiers are stored there; free space or fix its permissions.`);
  }
  restrictEngineFiles(path.join(dir, 'ferretdb'));
}

/** Writes, syncs and removes a small file in `dir`; throws the file system's error if it cannot. */
export function probeWrite(dir: string): void {
  const probe = path.join(dir, `.write-probe-${process.pid}`);
  const fd = openSync(probe, 'w', 0o600);
  try {
    writeSync(fd, Buffer.alloc(4096));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    unlinkSync(probe);
  }
}

function restrictEngineFiles(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    if (statSync(file).isFile()) chmodSync(file, 0o600);
  }
}
