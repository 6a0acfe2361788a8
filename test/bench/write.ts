/**
 * `npm run bench:write`: how long the write paths take on a large database, through a real
 * `npm start` process (production settings) on the embedded engine, as users send them: a report
 * submission, a one-row CSV import, its submission for review, the two approvals that publish it and
 * the time until it is listed on /incidents, and an entity edit. Prints figures; asserts nothing.
 *
 *   BENCH_DATA_DIR=/tmp/bench100k BENCH_INCIDENTS=100000 npm run bench:write
 *
 * The seeded data directory is copied first (the benchmark writes to its copy), so runs compare.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess, stopAllServers } from '../helpers/server-process.js';
import { seedOnce } from './engine.js';
import { benchUsers, editVendor, memoryOf, publishOne, submitReport } from './flows.js';

const source = process.env.BENCH_DATA_DIR ?? '/tmp/tracker-bench';
const count = Number(process.env.BENCH_INCIDENTS ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);

seedOnce(source, count);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracker-write-bench-'));
cpSync(source, dataDir, { recursive: true });

const startedAt = Date.now();
const server = await startServerProcess(dataDir, { NODE_ENV: 'production' }, 600_000);
const base = `http://127.0.0.1:${server.port}`;
const startup = Date.now() - startedAt;
const users = await benchUsers(dataDir, () => base);

const figures = new Map<string, number[]>();
async function timed<T>(label: string, act: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await act();
  if (!figures.has(label)) figures.set(label, []);
  figures.get(label)!.push(performance.now() - started);
  return result;
}

for (let run = 0; run < runs; run++) {
  await submitReport(users, run, timed);
  const listedAfter = await publishOne(users, run, timed);
  figures.get('publication until listed on /incidents?q=')!.splice(-1, 1, listedAfter);
  await editVendor(users, run, timed);
}

const memory = memoryOf(server.child.pid!);
console.log(`\n${count.toLocaleString('en')} synthetic incidents, one npm start process (production), embedded engine; ${runs} runs`);
console.log(`start-up until listening: ${(startup / 1000).toFixed(1)} s; app RSS after the runs: ${memory.rss.toFixed(0)} MB (peak ${memory.peak.toFixed(0)} MB)`);
console.log('write'.padEnd(50), 'best s'.padStart(8), 'median s'.padStart(9), 'worst s'.padStart(8));
for (const [label, times] of figures) {
  times.sort((a, b) => a - b);
  console.log(label.padEnd(50), (times[0]! / 1000).toFixed(2).padStart(8), (times[Math.floor(times.length / 2)]! / 1000).toFixed(2).padStart(9), (times.at(-1)! / 1000).toFixed(2).padStart(8));
}
await stopAllServers();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
