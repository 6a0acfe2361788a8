// `npm run bench:queue`: how long the reviewers' open-report queue takes to read on the embedded
// engine as reports accumulate (1,000, 10,000, 50,000 reports of ~1 KB, one in five open). The read
// is a scan of the reports collection (FerretDB 1.24 uses no index), made on the first view of
// /review in each 2-second hold; this says from how many reports a reviewer waits for it. A fresh
// data directory each run. Prints figures only.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { disconnectDatabase } from '../../src/db/index.js';
import { Report } from '../../src/reports/model.js';
import { reviewQueue } from '../../src/reports/service.js';
import { openEngine } from './engine.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tracker-bench-queue-'));
const { engine } = await openEngine(dir);
console.log(`engine: ${engine.version}`);
// Most reports end linked to an incident or rejected; two in ten are open (submitted, triaged).
const statuses = ['linked', 'rejected', 'linked', 'rejected', 'linked', 'linked', 'rejected', 'linked', 'submitted', 'triaged'];
let n = 0;
for (const target of [1_000, 10_000, 50_000]) {
  const batch = [];
  for (; n < target; n++) {
    batch.push({ ref: `R-2026-${String(n + 1).padStart(6, '0')}`, refYear: 2026, refSeq: n + 1, title: `Report ${n}`, narrative: 'x'.repeat(800), dates: { from: { y: 2025 } }, country: 'MA', status: statuses[n % 10], submittedAt: new Date(Date.now() - n * 60_000), submitter: { anonymous: true } });
  }
  for (let i = 0; i < batch.length; i += 2_000) await Report.insertMany(batch.slice(i, i + 2_000), { lean: true });
  const ms: number[] = [];
  let shown = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    shown = (await reviewQueue()).length;
    ms.push(performance.now() - t0);
  }
  console.log(`${target.toLocaleString('en')} reports: the queue (${shown} rows shown) read in ${ms.map((t) => t.toFixed(0)).join(', ')} ms`);
}
await disconnectDatabase();
await engine.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
