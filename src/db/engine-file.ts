import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * DATA_DIR/engine.json names the app process that runs the embedded engine and where it listens:
 * a second app refuses to open the same files, and the CLI connects to the running engine.
 */
function fileFor(dataDir: string): string {
  return path.join(dataDir, 'engine.json');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runningEngine(dataDir: string): { uri: string; pid: number } | undefined {
  const file = fileFor(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const running = JSON.parse(readFileSync(file, 'utf8')) as { uri: string; pid: number };
    return isAlive(running.pid) ? running : undefined;
  } catch {
    return undefined;
  }
}

export function recordRunningEngine(dataDir: string, uri: string): void {
  writeFileSync(fileFor(dataDir), JSON.stringify({ uri, pid: process.pid }), { mode: 0o600 });
}

export function forgetRunningEngine(dataDir: string): void {
  const running = runningEngine(dataDir);
  if (!running || running.pid === process.pid) rmSync(fileFor(dataDir), { force: true });
}
