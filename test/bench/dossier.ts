// `npm run bench:dossier`: time and peak memory to generate a dossier for a vendor with ~1,000
// verified incidents (synthetic), per format; the HTML and PDF of a dossier near the default bound
// (DOSSIER_MAX_INCIDENTS); and the Pegasus STIX import. Prints figures only.
// BENCH_DOSSIER_DIR (default /tmp/tracker-bench-dossier) keeps the seeded engine between runs.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { catalogue } from '../../src/catalogue/index.js';
import { disconnectDatabase } from '../../src/db/index.js';
import { openBenchEngine } from './engine.js';
import { collectDossier } from '../../src/dossiers/content.js';
import { dossierCsv } from '../../src/dossiers/formats/csv.js';
import { dossierHtml, dossierPdf } from '../../src/dossiers/formats/document.js';
import { dossierStix } from '../../src/dossiers/formats/stix.js';
import { usedEntities } from '../../src/dossiers/status.js';
import { generateDossier } from '../../src/dossiers/service.js';
import { Product } from '../../src/products/model.js';
import { siteSigner } from '../../src/signing/index.js';
import { importIndicators } from '../../src/stix/service.js';
import { ProductIndicator } from '../../src/stix/model.js';
import { SealedFileStore } from '../../src/storage/sealed-files.js';
import { configureVault, newVaultKeySpec } from '../../src/vault/index.js';

const dataDir = process.env.BENCH_DOSSIER_DIR ?? '/tmp/tracker-bench-dossier';
const { config, engine } = await openBenchEngine(dataDir, 12_000);
configureVault(newVaultKeySpec());
const c = await catalogue();
const vendor = [...c.entities.byId.values()]
  .filter((e) => e.kind === 'vendor')
  .map((v) => ({ slug: v.slug, n: c.select({ vendorIds: c.entities.vendorFamily(v.id) }).length }))
  .sort((a, b) => Math.abs(a.n - 1000) - Math.abs(b.n - 1000))[0]!;
console.log(`engine: ${engine.version}; vendor ${vendor.slug} with ${vendor.n} verified incidents\n`);

/** Runs a step, sampling this process's RSS (and, for the PDF, Chromium's processes) every 10 ms. */
async function measure<T>(label: string, step: () => Promise<T> | T, chromium = false): Promise<T> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  let peakChromium = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
    if (chromium) {
      try {
        const kb = execFileSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' }).split('\n').filter(Boolean).reduce((s, l) => s + Number(l), 0);
        peakChromium = Math.max(peakChromium, kb * 1024);
      } catch {
        /* no chromium process at this instant */
      }
    }
  };
  const timer = setInterval(sample, chromium ? 50 : 10);
  const t0 = performance.now();
  const out = await step();
  const ms = performance.now() - t0;
  clearInterval(timer);
  sample();
  const size = Buffer.isBuffer(out) ? `${(out.length / 1024).toFixed(0)} KB` : '';
  console.log(label.padEnd(34), `${ms.toFixed(0)} ms`.padStart(9), `node peak RSS ${(peak / 1e6).toFixed(0)} MB (+${((peak - base) / 1e6).toFixed(0)})`.padStart(30), chromium ? `chromium peak RSS ${(peakChromium / 1e6).toFixed(0)} MB` : '', size);
  return out;
}

const meta = { id: 'D-2026-99999', version: 1, generatedAt: new Date(), roles: ['policymaker'], baseUrl: 'https://tracker.example.org' };
for (const audience of ['public', 'official'] as const) {
  console.log(`-- audience ${audience}, framing us-entity-list, language en`);
  const content = (await measure('collect (catalogue + reviews + evidence)', () => collectDossier({ subject: { kind: 'vendor', slug: vendor.slug }, audience, framing: 'us-entity-list', language: 'en' }, meta)))!;
  await measure('JSON', () => Buffer.from(JSON.stringify(content, null, 2)));
  await measure('CSV', () => dossierCsv(content));
  await measure('STIX 2.1', () => dossierStix(content, { entities: usedEntities.get(content) ?? [], origin: meta.baseUrl }));
  const html = await measure('HTML', () => dossierHtml(content, { keyId: 'bench', keyUrl: 'https://tracker.example.org/.well-known/tracker-signing-key.pem' }));
  const pdf = await measure('PDF (Chromium)', () => dossierPdf(html, meta.id), true);
  const pages = /\/Type\s*\/Page[^s]/g;
  console.log(`   PDF pages: ${(pdf.toString('latin1').match(pages) ?? []).length}`);
}
// The largest dossier the default bound lets through (DOSSIER_MAX_INCIDENTS): three years of incidents.
{
  const query = 'from=2022&to=2024';
  const content = (await collectDossier({ subject: { kind: 'filter', query }, audience: 'public', framing: 'us-entity-list', language: 'en' }, meta))!;
  console.log(`-- ${content.incidents.length} incidents (?${query}; the bound is ${config.DOSSIER_MAX_INCIDENTS}), audience public, language en`);
  const html = await measure('HTML', () => dossierHtml(content, { keyId: 'bench', keyUrl: 'https://tracker.example.org/.well-known/tracker-signing-key.pem' }));
  const pdf = await measure('PDF (Chromium)', () => dossierPdf(html, meta.id), true);
  console.log(`   PDF pages: ${(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length}`);
}
const store = new SealedFileStore(path.join(dataDir, 'dossiers'));
const admin = new mongoose.Types.ObjectId().toString();
const dossier = await measure('end to end (all formats, ZIP, sign, store)', () =>
  generateDossier({ store, signer: siteSigner(config), baseUrl: 'https://tracker.example.org', maxIncidents: config.DOSSIER_MAX_INCIDENTS }, { subject: { kind: 'vendor', slug: vendor.slug }, audience: 'public', framing: 'us-entity-list', language: 'ar' }, { type: 'user', id: admin, roles: ['policymaker'] }), true);
console.log(`   ${dossier.ref}: archive ${(dossier.archive!.size / 1024).toFixed(0)} KB; timings ${JSON.stringify(dossier.timings)}`);

const pegasus = path.resolve('../shared/data/amnesty-iocs/pegasus.stix2');
if (existsSync(pegasus)) {
  const product = (await Product.findOne({ slug: 'synthetic-product-1' }))!;
  await ProductIndicator.deleteMany({ product: product._id });
  const buffer = readFileSync(pegasus);
  const first = await measure('STIX import: Pegasus (first time)', () => importIndicators({ actor: { type: 'user', id: admin }, product, file: { buffer, originalname: 'pegasus.stix2' }, source: 'Amnesty International', licence: 'CC-BY 2.0' }));
  const again = await measure('STIX import: Pegasus (again)', () => importIndicators({ actor: { type: 'user', id: admin }, product, file: { buffer, originalname: 'pegasus.stix2' }, source: 'Amnesty International', licence: 'CC-BY 2.0' }));
  console.log(`   added ${first.added} then ${again.added} (already present: ${again.alreadyPresent})`);
}
await disconnectDatabase();
await engine.stop();
process.exit(0);
