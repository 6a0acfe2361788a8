import { statfsSync } from 'node:fs';
import { probeWrite } from '../db/data-dir.js';

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
  try {
    probeWrite(dataDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOSPC' || code === 'EDQUOT' ? 'full' : 'read-only';
  }
  return free < minFreeBytes ? 'full' : 'ok';
}
