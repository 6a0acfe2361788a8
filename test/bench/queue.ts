// `npm run bench:queue`: how long the reviewers' open-report queue takes to read on the embedded
// engine as reports accumulate (1,000, 10,000, 50,000 reports of ~1 KB, one in five open): from its
// own rows (reports/queue.ts, what /review reads), beside the scan of every report it replaced, and
// the rebuild of the rows that each start runs in the background. At 10,000, also how often
// reviewers wait while other staff work writes elsewhere, with the queue held with the other staff
// reads and held apart. A fresh data directory each run. Prints figures only.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { disconnectDatabase } from '../../src/db/index.js';
import { Report } from '../../src/reports/model.js';
import { claim } from '../../src/db/claims.js';
import { keepQueued, QUEUE_STATUSES, rebuildReportQueue, reviewQueue, ROW_FIELDS } from '../../src/reports/queue.js';
import mongoose from 'mongoose';
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
  // Inserted behind the write paths: their rows come from the rebuild, as at a start.
  const t0 = performance.now();
  const rebuilt = await rebuildReportQueue();
  const rebuild = performance.now() - t0;
  const time = async (read: () => Promise<unknown[]>) => {
    const ms: number[] = [];
    let shown = 0;
    for (let run = 0; run < 3; run++) {
      const t1 = performance.now();
      shown = (await read()).length;
      ms.push(performance.now() - t1);
    }
    return `${ms.map((t) => t.toFixed(0)).join(', ')} ms (${shown} rows)`;
  };
  const rows = await time(() => reviewQueue());
  const scan = await time(() => Report.find({ status: mongoose.trusted({ $in: QUEUE_STATUSES }) } as never, ROW_FIELDS).sort({ submittedAt: 1 }).limit(500).lean());
  // What each report write adds: its row (re)written, guarded by version (a triage, as setStatus writes it).
  const one = (await Report.findOne({ ref: batch.find((r) => r.status === 'submitted')!.ref }).lean())!;
  const writes: number[] = [];
  for (let run = 1; run <= 3; run++) {
    const t1 = performance.now();
    await keepQueued([{ ...one, status: 'triaged', revision: run }]);
    writes.push(performance.now() - t1);
  }
  console.log(`${target.toLocaleString('en')} reports (${rebuilt.open.toLocaleString('en')} open): the queue from its rows ${rows}; the scan of the reports it replaced ${scan}; a row written by a report's write ${writes.map((t) => t.toFixed(0)).join(', ')} ms; rebuild of the rows ${rebuild.toFixed(0)} ms`);
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
