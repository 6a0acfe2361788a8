/**
 * `npm run bench`: what users get from the site over N synthetic incidents (default 100,000), on the
 * embedded engine. The app runs as `npm start` runs (its own process, production settings, view
 * cache on); load comes from this process (autocannon); the baseline is a bare Express route in a
 * third process, measured in the same run. Prints figures; asserts nothing.
 *
 *   BENCH_DATA_DIR=/tmp/bench100k BENCH_INCIDENTS=100000 BENCH_SECONDS=10 npm run bench
 *
 * Prints: start-up until /healthz answers (as the data directory has it, then again from the
 * snapshot the first run wrote), page throughput and latency for anonymous visitors and signed-in
 * reviewers with each page's ratio to the bare route, the uncached CSV's first and last byte, the
 * write paths (publication until listed), and the app's and the engine's resident memory (peak).
 * The seeded directory is copied first (the benchmark writes to its copy), so runs compare.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../../src/db/ferretdb.js';
import { startServerProcess, stopAllServers, type ServerProcess } from '../helpers/server-process.js';
import { seedOnce } from './engine.js';
import { benchUsers, editVendor, memoryOf, publishOne, resetPeak, submitReport } from './flows.js';

const source = process.env.BENCH_DATA_DIR ?? '/tmp/tracker-bench';
const count = Number(process.env.BENCH_INCIDENTS ?? 100_000);
const duration = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 10;
const BROWSER = { 'accept-language': 'en', 'accept-encoding': 'gzip, deflate, br' };

seedOnce(source, count);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracker-bench-'));
cpSync(source, dataDir, { recursive: true });

// ---- the baseline process -------------------------------------------------------------------------
const barePort = await freePort();
const bare = spawn('node', ['--import', 'tsx', 'test/bench/bare.ts'], { env: { ...process.env, PORT: String(barePort), NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => bare.stdout.once('data', resolve));

// ---- the app as `npm start` runs it, and its memory per phase -----------------------------------------
const peaks: { phase: string; app: number; engine: number }[] = [];
/** Ends a phase: the highest resident memory of the app and the engine since the last one (or their start). */
function phase(server: ServerProcess, name: string): void {
  peaks.push({ phase: name, app: memoryOf(server.child.pid!).peak, engine: memoryOf(server.enginePid).peak });
  resetPeak(server.child.pid!);
  resetPeak(server.enginePid);
}

async function start(): Promise<{ server: ServerProcess; seconds: number; loaded: string }> {
  const t0 = Date.now();
  // The API's per-client limit (120 a minute) would answer the load generator 429: raised for the measurement.
  const server = await startServerProcess(dataDir, { NODE_ENV: 'production', API_REQUESTS_PER_MINUTE: '10000000' }, 900_000);
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`).catch(() => undefined);
    if (res?.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (Date.now() - t0) / 1000;
  const line = server.output().split('\n').find((l) => l.includes('catalogue of incidents loaded')) ?? '{}';
  // From here its log (a line per request) is read and dropped, not kept in this process.
  for (const stream of [server.child.stdout!, server.child.stderr!]) {
    stream.removeAllListeners('data');
    stream.resume();
  }
  const { from, entries, ms, incidents, working } = JSON.parse(line) as { from?: string; entries?: string; ms?: number; incidents?: number; working?: number };
  return { server, seconds, loaded: `catalogue from the ${from} (entries ${entries}): ${incidents} published + ${working} not public, ${((ms ?? 0) / 1000).toFixed(1)} s` };
}

const first = await start();
const base = `http://127.0.0.1:${first.server.port}`;
const afterStart = memoryOf(first.server.child.pid!).rss;
console.log(`start-up until /healthz answers: ${first.seconds.toFixed(1)} s (${first.loaded}); app RSS ${afterStart.toFixed(0)} MB`);
// The snapshot is written 30 s after a load from the database, or after entries derived by another
// version of the code: part of the start-up's memory, not of the pages' load.
if (first.loaded.includes('from the database') || first.loaded.includes('entries derived')) await new Promise((r) => setTimeout(r, 35_000));
phase(first.server, 'start-up (and its snapshot)');

const users = await benchUsers(dataDir, () => base);
const noTiming = <T>(_label: string, act: () => Promise<T>) => act();
const reportRef = await submitReport(users, 0, noTiming);

// The vendor with the most incidents (the heaviest profile page).
const vendors: { slug: string; n: number }[] = [];
for (let i = 1; i <= 12; i++) {
  const slug = `synthetic-vendor-${i}`;
  const res = await fetch(`${base}/api/v1/incidents?vendor=${slug}`);
  vendors.push({ slug, n: ((await res.json()) as { meta: { total: number } }).meta.total });
}
const vendor = vendors.sort((a, b) => b.n - a.n)[0]!;
const anyIncident = /I-\d{4}-\d{5}/.exec(await (await fetch(`${base}/incidents?vendor=${vendor.slug}`)).text())![0];

// ---- pages -----------------------------------------------------------------------------------------
const reviewerCookie = users.approvers[0].client.cookie();
const bareTarget = { label: 'bare Express route (own process)', url: `http://127.0.0.1:${barePort}/hello` };
const targets: { label: string; url: string; cookie?: string }[] = [
  bareTarget,
  { label: '/ (home)', url: `${base}/` },
  { label: `/vendors/${vendor.slug} (${vendor.n} incidents)`, url: `${base}/vendors/${vendor.slug}` },
  { label: '/incidents, two filters', url: `${base}/incidents?vendor=${vendor.slug}&target=journalist` },
  { label: '/incidents?q=… (two tokens)', url: `${base}/incidents?q=incident+4242` },
  { label: '/incidents?q=… (Arabic, folded)', url: `${base}/incidents?q=${encodeURIComponent('الحكومه')}` },
  { label: '/incidents (no filter)', url: `${base}/incidents` },
  { label: `/incidents/${anyIncident}`, url: `${base}/incidents/${anyIncident}` },
  { label: '/api/v1/incidents', url: `${base}/api/v1/incidents` },
  { label: 'signed in: /review (reviewer)', url: `${base}/review`, cookie: reviewerCookie },
  { label: `signed in: /reports/${reportRef} (reviewer)`, url: `${base}/reports/${reportRef}`, cookie: reviewerCookie },
  { label: `signed in: /incidents/${anyIncident} (reviewer)`, url: `${base}/incidents/${anyIncident}`, cookie: reviewerCookie },
  { label: 'signed in: /incidents (reviewer)', url: `${base}/incidents`, cookie: reviewerCookie },
  // The baseline again at the end: the ratio is to the mean of both (it varies from run to run on a shared machine).
  { ...bareTarget, label: 'bare Express route, again' },
];
const results: { label: string; rps: number; p50: number; p99: number }[] = [];
// The bare route again for a moment before each target and after the last: the machine's speed moves
// within a run, and a ratio to the two ends alone cannot tell a machine slowed mid-run from a slower app.
const PROBE_SECONDS = 2;
const probe = async () => (await autocannon({ url: bareTarget.url, connections: CONNECTIONS, duration: PROBE_SECONDS })).requests.average;
const probes: number[] = [];
for (const target of targets) {
  probes.push(await probe());
  const headers = { ...BROWSER, ...(target.cookie ? { cookie: target.cookie } : {}) };
  const check = await fetch(target.url, { headers, redirect: 'manual' });
  if (check.status !== 200) throw new Error(`${target.url} answered ${check.status}`);
  // One second first, not counted: the first renders, compressions and JIT of a page are not its steady state.
  await autocannon({ url: target.url, connections: CONNECTIONS, duration: 1, headers });
  const result = await autocannon({ url: target.url, connections: CONNECTIONS, duration, headers });
  if (result.non2xx || result.errors) throw new Error(`${target.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors under load`);
  results.push({ label: target.label, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
}
probes.push(await probe());
phase(first.server, 'pages under load');
const baseline = (results[0]!.rps + results.at(-1)!.rps) / 2;
console.log(`\n${count.toLocaleString('en')} synthetic incidents; ${duration} s per target, ${CONNECTIONS} connections from the bench process; app and bare route in their own processes; ${os.cpus().length}-core machine`);
console.log(`ratio: req/s ÷ the bare route's mean of its two runs (${baseline.toFixed(0)} req/s); near: ÷ the bare route's ${PROBE_SECONDS}-s probes just before and after the target`);
console.log('target'.padEnd(52), 'req/s'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'ratio'.padStart(8), 'bare near'.padStart(10), 'near'.padStart(8));
results.forEach((r, i) => {
  const near = (probes[i]! + probes[i + 1]!) / 2;
  console.log(r.label.padEnd(52), r.rps.toFixed(0).padStart(8), String(r.p50).padStart(8), String(r.p99).padStart(8), (r.rps / baseline).toFixed(3).padStart(8), near.toFixed(0).padStart(10), (r.rps / near).toFixed(3).padStart(8));
});

// ---- the CSV export when no cached copy can serve (a cookie other than lng bypasses the cache) -----
const csvPath = `/incidents.csv?vendor=${vendor.slug}`;
const csvRuns: { first: number; total: number; bytes: number }[] = [];
for (let n = 0; n < 5; n++) {
  const t0 = performance.now();
  const res = await fetch(base + csvPath, { headers: { cookie: 'bench=uncached', 'accept-encoding': 'identity' } });
  const reader = res.body!.getReader();
  let firstByte = 0;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!firstByte) firstByte = performance.now() - t0;
    bytes += value.length;
  }
  csvRuns.push({ first: firstByte, total: performance.now() - t0, bytes });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\n${csvPath} uncached (streamed): first byte ${median(csvRuns.map((r) => r.first)).toFixed(0)} ms, last byte ${median(csvRuns.map((r) => r.total)).toFixed(0)} ms, ${(csvRuns[0]!.bytes / 1e6).toFixed(1)} MB (median of 5)`);

// ---- writes ----------------------------------------------------------------------------------------
const writes = new Map<string, number[]>();
const timed = async <T>(label: string, act: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const result = await act();
  writes.set(label, [...(writes.get(label) ?? []), performance.now() - t0]);
  return result;
};
for (let run = 1; run <= 3; run++) {
  await submitReport(users, run, timed);
  const listed = await publishOne(users, run, timed);
  writes.get('publication until listed on /incidents?q=')!.splice(-1, 1, listed);
  await editVendor(users, run, timed);
}
phase(first.server, 'CSV export and writes');
console.log('\nwrite (3 runs, through the forms)'.padEnd(53), 'median s'.padStart(9), 'worst s'.padStart(8));
for (const [label, times] of writes) console.log(label.padEnd(52), (median(times) / 1000).toFixed(2).padStart(9), (Math.max(...times) / 1000).toFixed(2).padStart(8));

// ---- a restart: the snapshot the first process wrote at shutdown ------------------------------------
await stopAllServers();
const second = await start();
console.log(`\nrestart, start-up until /healthz answers: ${second.seconds.toFixed(1)} s (${second.loaded})`);
phase(second.server, 'restart from the snapshot');
console.log('\nresident memory, highest in each phase'.padEnd(53), 'app MB'.padStart(8), 'engine MB'.padStart(10));
for (const p of peaks) console.log(p.phase.padEnd(52), p.app.toFixed(0).padStart(8), p.engine.toFixed(0).padStart(10));

await stopAllServers();
bare.kill('SIGTERM');
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
