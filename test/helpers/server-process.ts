import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/db/ferretdb.js';

/** The real `npm start` entry point as a child process, on a free port and a DATA_DIR of the test's. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  enginePid: number;
  output: () => string;
  exited: Promise<number | null>;
}

const started = new Set<ChildProcess>();

/** afterEach: whatever a test started is stopped, even when an assertion failed half-way. */
export async function stopAllServers(): Promise<void> {
  await Promise.all(
    [...started].map(async (child) => {
      started.delete(child);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

export async function startServerProcess(dataDir: string, env: Record<string, string> = {}, startTimeoutMs = 60_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn('node', ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, MONGODB_URI: '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + startTimeoutMs;
  while (!out.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const enginePid = Number(/pid (\d+)\)/.exec(out)?.[1]);
  return { child, port, enginePid, output: () => out, exited };
}

/** Mocha hooks: a fresh DATA_DIR per test, and every server started in it stopped and removed after. */
export function useTempDataDir(prefix: string): { get: () => string } {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(async () => {
    await stopAllServers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return { get: () => dir! };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
