// `npm run bench:queue`: how long the reviewers' open-report queue takes to read on the embedded
// engine as reports accumulate (1,000, 10,000, 50,000 reports of ~1 KB, one in five open). The read
// is a scan of the reports collection (FerretDB 1.24 uses no index), made on the first view of
// /review in each 2-second hold; this says from how many reports a reviewer waits for it. At 10,000,
// also how often reviewers wait while other staff work writes elsewhere, with the queue held with the
// other staff reads and held apart. A fresh data directory each run. Prints figures only.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { disconnectDatabase } from '../../src/db/index.js';
import { Report } from '../../src/reports/model.js';
import { claim } from '../../src/db/claims.js';
import { reviewQueue } from '../../src/reports/service.js';
import { heldPageRead, heldQueueRead } from '../../src/review/held-reads.js';
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
  if (target === 10_000) for (const [how, hold] of [['held with the other staff reads', heldPageRead], ['held apart (what /review uses)', heldQueueRead]] as const) await busyStaff(how, hold);
}

/**
 * Reviewers open /review every 50 ms while other staff work writes elsewhere four times a second
 * (claims, as every triage, approval and form sends): how many views wait for a scan, for 10 s.
 */
async function busyStaff(how: string, hold: typeof heldPageRead): Promise<void> {
  let scans = 0;
  const waits: number[] = [];
  const until = Date.now() + 10_000;
  const writer = (async () => {
    for (let n = 0; Date.now() < until; n++) {
      await claim(`bench-queue:${how}:${n}`, 'bench');
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  while (Date.now() < until) {
    const t0 = performance.now();
    await hold('queue:', () => {
      scans++;
      return reviewQueue();
    });
    waits.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  await writer;
  waits.sort((a, b) => a - b);
  const mean = waits.reduce((s, w) => s + w, 0) / waits.length;
  console.log(`   busy staff, queue ${how}: ${waits.length} views in 10 s, ${scans} scans, wait mean ${mean.toFixed(0)} ms, p90 ${waits[Math.floor(waits.length * 0.9)]!.toFixed(0)} ms`);
}
await disconnectDatabase();
await engine.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
