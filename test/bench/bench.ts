// `npm run bench`: throughput and latency of the public pages over 100,000 synthetic incidents,
// against a bare route served by the same app in the same run. Prints figures; asserts nothing.
// BENCH_DATA_DIR (default /tmp/tracker-bench) keeps the seeded engine between runs.
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';
import { createApp } from '../../src/app.js';
import { catalogue } from '../../src/catalogue/index.js';
import { disconnectDatabase } from '../../src/db/index.js';
import { openBenchEngine } from './engine.js';
import { newVaultKeySpec } from '../../src/vault/index.js';
import { siteSigner } from '../../src/signing/index.js';
import { SealedFileStore } from '../../src/storage/sealed-files.js';

const dataDir = process.env.BENCH_DATA_DIR ?? '/tmp/tracker-bench';
const count = Number(process.env.BENCH_INCIDENTS ?? 100_000);
const duration = Number(process.env.BENCH_SECONDS ?? 10);

const { config, logger, engine } = await openBenchEngine(dataDir, count);
const started = Date.now();
const c = await catalogue();
console.log(`engine: ${engine.version}`);
console.log(`catalogue: ${c.all.length} published incidents loaded in ${Date.now() - started} ms; heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);

const { app } = createApp({ config, logger, sessionSecret: 'bench'.padEnd(48, 'x'), identityKeys: newVaultKeySpec(), signer: siteSigner(config), evidenceStore: new SealedFileStore(`${dataDir}/evidence`), engineUp: () => true });
const outer = express();
outer.get('/hello', (_req, res) => {
  res.type('text/plain').send('hello');
});
outer.use(app);
const server = outer.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const vendor = [...c.entities.byId.values()].filter((e) => e.kind === 'vendor').map((v) => ({ slug: v.slug, n: c.select({ vendorIds: c.entities.vendorFamily(v.id) }).length })).sort((a, b) => b.n - a.n)[0]!;
const targets: [string, string][] = [
  ['bare hello route', '/hello'],
  [`/vendors/${vendor.slug} (${vendor.n} incidents)`, `/vendors/${vendor.slug}`],
  ['/incidents, two filters', `/incidents?vendor=${vendor.slug}&target=journalist`],
  ['/incidents?q=… (two tokens)', '/incidents?q=incident+4242'],
  ['/incidents?q=… (Arabic, folded)', `/incidents?q=${encodeURIComponent('الحكومه')}`],
  ['/incidents (no filter)', '/incidents'],
];

const results: { label: string; rps: number; p50: number; p99: number }[] = [];
for (const [label, path] of targets) {
  const first = await fetch(base + path);
  if (first.status !== 200) throw new Error(`${path} answered ${first.status}`);
  const result = await autocannon({ url: base + path, connections: 10, duration, headers: { 'accept-language': 'en' } });
  results.push({ label, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
}
const hello = results[0]!.rps;
console.log(`\n${duration}s per target, 10 connections, one app process, 2-core machine`);
console.log('target'.padEnd(44), 'req/s'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'ratio'.padStart(8));
for (const r of results) {
  console.log(r.label.padEnd(44), r.rps.toFixed(0).padStart(8), String(r.p50).padStart(8), String(r.p99).padStart(8), (r.rps / hello).toFixed(3).padStart(8));
}

// The CSV export as its reader gets it when no cached copy can serve (a cookie other than lng bypasses
// the page cache): time to the first byte and to the last, median of 5.
const csvPath = `/incidents.csv?vendor=${vendor.slug}`;
const csvRuns: { first: number; total: number; bytes: number }[] = [];
for (let n = 0; n < 5; n++) {
  const t0 = performance.now();
  const res = await fetch(base + csvPath, { headers: { cookie: 'bench=uncached', 'accept-encoding': 'identity' } });
  const reader = res.body!.getReader();
  let first = 0;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!first) first = performance.now() - t0;
    bytes += value.length;
  }
  csvRuns.push({ first, total: performance.now() - t0, bytes });
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\n${csvPath} uncached (streamed): first byte ${median(csvRuns.map((r) => r.first)).toFixed(0)} ms, last byte ${median(csvRuns.map((r) => r.total)).toFixed(0)} ms, ${(csvRuns[0]!.bytes / 1e6).toFixed(1)} MB (median of 5)`);
server.close();
await disconnectDatabase();
await engine.stop();
process.exit(0);
