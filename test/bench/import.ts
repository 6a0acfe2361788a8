// `npm run bench:import`: STIX indicator import (20,000 indicators) and CSV incident import (100 and
// 1,000 rows, and the maximum), through the same service calls the import pages make, on the
// embedded engine in one process, production settings. Prints figures.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { userActor } from '../../src/audit/index.js';
import { disconnectDatabase } from '../../src/db/index.js';
import { openEngine } from './engine.js';
import { MAX_IMPORT_ROWS, importIncidents } from '../../src/incidents/csv-import.js';
import '../../src/models.js';
import { Product } from '../../src/products/model.js';
import { importIndicators } from '../../src/stix/service.js';
import { Vendor } from '../../src/vendors/model.js';
import { User } from '../../src/auth/model.js';

const { engine } = await openEngine(mkdtempSync(path.join(os.tmpdir(), 'tracker-import-bench-')));

const user = await User.create({ email: 'bench@example.org', name: 'Bench', passwordHash: 'x', roles: ['reviewer'], status: 'active' });
const actor = userActor({ id: String(user._id), roles: ['reviewer'] });
const vendor = await Vendor.create({ slug: 'bench-vendor', name: 'Bench Vendor' });

async function stix(n: number): Promise<number> {
  const product = await Product.create({ slug: `bench-product-${n}-${Date.now()}`, name: `Bench product ${n}`, vendor: vendor._id, category: 'spyware' });
  const objects = Array.from({ length: n }, (_, i) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', pattern: `[domain-name:value='host-${i}.bench.example']`, pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z' }));
  const buffer = Buffer.from(JSON.stringify({ type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects }));
  const started = performance.now();
  const record = await importIndicators({ actor, product, file: { buffer, originalname: 'bench.stix2' }, source: 'https://example.org/bench', licence: 'CC-BY-4.0' });
  if (record.added !== n) throw new Error(`added ${record.added} of ${n}`);
  return performance.now() - started;
}

async function csv(rows: number, run: number): Promise<number> {
  const keys = ['title', 'summary', 'date_from', 'countries', 'target_categories', 'source_title'];
  const data = Array.from({ length: rows }, (_, i) => [`Bench incident ${run}-${i}`, 'Imported by the benchmark.', '2023-05', 'MA', 'journalist', 'Bench source']);
  const buffer = Buffer.from(stringify([keys, ...data]));
  const started = performance.now();
  const result = await importIncidents(actor, { buffer, originalname: 'bench.csv' });
  if (!result.ok) throw new Error(JSON.stringify(result.errors.slice(0, 3)));
  return performance.now() - started;
}

console.log('import'.padEnd(34), 'runs'.padStart(5), 'best s'.padStart(8), 'median s'.padStart(9));
const report = (label: string, times: number[]) => {
  times.sort((a, b) => a - b);
  console.log(label.padEnd(34), String(times.length).padStart(5), (times[0]! / 1000).toFixed(2).padStart(8), (times[Math.floor(times.length / 2)]! / 1000).toFixed(2).padStart(9));
};
for (const n of [1_000, 20_000]) {
  const times = [];
  for (let r = 0; r < 3; r++) times.push(await stix(n));
  report(`STIX ${n.toLocaleString('en')} indicators`, times);
}
for (const rows of [100, 1_000, MAX_IMPORT_ROWS]) {
  const times = [];
  for (let r = 0; r < 3; r++) times.push(await csv(rows, r + rows));
  report(`CSV ${rows} rows (drafts)`, times);
}
await disconnectDatabase();
await engine.stop();
process.exit(0);
