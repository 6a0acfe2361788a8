import { closeSync, fsyncSync, openSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export type StorageState = 'ok' | 'full' | 'read-only' | 'missing';

/**
 * What a write to DATA_DIR would meet now (evidence, dossiers and the embedded engine's files live
 * there): free space below the configured floor is 'full'; a probe file that cannot be written and
 * synced is 'read-only' (or 'full' when the disk says so). Checked at most every two seconds.
 */
export function storageProbe(dataDir: string, minFreeBytes: number): () => StorageState {
  let last: { at: number; state: StorageState } | undefined;
  return () => {
    if (last && Date.now() - last.at < 2_000) return last.state;
    last = { at: Date.now(), state: probe(dataDir, minFreeBytes) };
    return last.state;
  };
}

function probe(dataDir: string, minFreeBytes: number): StorageState {
  let free: number;
  try {
    const stats = statfsSync(dataDir);
    free = stats.bavail * stats.bsize;
  } catch {
    return 'missing';
  }
  const file = path.join(dataDir, `.healthz-${process.pid}`);
  try {
    const fd = openSync(file, 'w', 0o600);
    try {
      writeSync(fd, Buffer.alloc(4096));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      unlinkSync(file);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOSPC' || code === 'EDQUOT' ? 'full' : 'read-only';
  }
  return free < minFreeBytes ? 'full' : 'ok';
}
