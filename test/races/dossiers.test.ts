import { expect } from 'chai';
import { Dossier } from '../../src/dossiers/model.js';
import { verifyFiles } from '../../src/dossiers/package.js';
import { Incident } from '../../src/incidents/model.js';
import { Product } from '../../src/products/model.js';
import { Vendor } from '../../src/vendors/model.js';
import { Government } from '../../src/governments/model.js';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { signedInAs } from '../helpers/factories.js';
import { buildAndDownload, verifiedIncident } from '../dossiers/helpers.js';
import { publish } from '../../src/events/index.js';

const DOSSIERS = 30;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const AT_ONCE = 3;

interface JsonDossier {
  id: string;
  incidents: { ref: string; attributions: { kind: string; slug: string; name: string }[]; chains: { product: string; vendor: string }[] }[];
  products: { slug: string; name: string }[];
}

describe('races: dossiers while incidents and entities change', function () {
  this.timeout(900_000);
  afterEach(closeApps);

  it('when 30 dossiers are generated 3 at a time while incidents are published and withdrawn and entities renamed, then every one is complete, names only what the database held, verifies, and /dossiers never fails', async () => {
    const { app } = makeApp();
    const vendor = await Vendor.create({ slug: 'race-vendor', name: 'Race Vendor', hqCountry: 'IL' });
    const products = await Promise.all([0, 1].map((n) => Product.create({ slug: `race-tool-${n}`, name: `Race Tool ${n}`, vendor: vendor._id, category: 'spyware' })));
    const government = await Government.create({ slug: 'race-government', country: 'MA', name: 'Race Government' });
    // Every name an entity had during the run: a dossier may print any of them, never a blank.
    const names = new Map<string, Set<string>>([['race-vendor', new Set(['Race Vendor'])], ['race-government', new Set(['Race Government'])], ...products.map((p) => [p.slug, new Set([p.name])] as [string, Set<string>])]);
    for (let n = 0; n < 4; n++) await verifiedIncident({ title: `Seed ${n}`, productId: products[n % 2]!._id, vendorId: vendor._id, governmentId: government._id });

    // One session per lane (three people at their desks): a form token belongs to its session.
    const lanes = await Promise.all(Array.from({ length: AT_ONCE }, () => signedInAs(app, ['policymaker'])));
    const reader = await signedInAs(app, ['policymaker']);
    let writing = true;
    const writes = { published: 0, withdrawn: 0, renamed: 0 };
    const writer = (async () => {
      for (let step = 0; writing; step++) {
        await pause(100);
        if (step % 3 === 0) {
          const product = products[step % 2]!;
          const name = `Race Tool ${step % 2} (rev ${step})`;
          names.get(product.slug)!.add(name);
          await Product.updateOne({ _id: product._id }, { $set: { name } });
          await publish({ kind: 'entities-changed' });
          writes.renamed += 1;
        } else if (step % 3 === 1) {
          await verifiedIncident({ title: `Published during the run ${step}`, productId: products[step % 2]!._id, vendorId: vendor._id, governmentId: government._id });
          writes.published += 1;
        } else {
          const victim = await Incident.findOne({ published: true }).sort({ createdAt: -1 }).lean();
          if (victim) {
            await Incident.updateOne({ _id: victim._id }, { $set: { published: false, 'verification.status': 'retracted' } });
            await publish({ kind: 'incidents-changed', ids: [victim._id] });
            writes.withdrawn += 1;
          }
        }
      }
    })();
    const statuses: number[] = [];
    const lister = (async () => {
      while (writing) {
        statuses.push((await reader.get('/dossiers')).status);
        await pause(50);
      }
    })();

    const built: { ref: string; files: Map<string, Buffer> }[] = [];
    try {
      for (let i = 0; i < DOSSIERS; i += AT_ONCE) {
        built.push(...(await Promise.all(lanes.map((lane) => buildAndDownload(lane, { subject: 'vendor', vendor: 'race-vendor' })))));
      }
    } finally {
      writing = false;
      await Promise.all([writer, lister]);
    }

    expect(statuses.filter((s) => s !== 200), '/dossiers answered every time').to.deep.equal([]);
    expect(writes.published + writes.withdrawn + writes.renamed, 'data changed during the run').to.be.greaterThan(3);
    const key = (await agent(app).get('/.well-known/tracker-signing-key.pem')).text;
    const refs = new Set<string>();
    for (const { ref, files } of built) {
      refs.add(ref);
      expect(verifyFiles(files, key), ref).to.deep.include({ valid: true, dossier: ref });
      const json = JSON.parse(files.get('dossier.json')!.toString('utf8')) as JsonDossier;
      expect(json.incidents.length, `${ref} has incidents`).to.be.greaterThan(0);
      for (const incident of json.incidents) {
        expect(await Incident.exists({ ref: incident.ref }), `${ref}: ${incident.ref} exists`).to.not.equal(null);
        for (const a of incident.attributions) {
          expect(a.slug, `${ref}: ${incident.ref} ${a.kind} has a slug`).to.not.equal('');
          expect([...(names.get(a.slug) ?? [])], `${ref}: ${a.slug} printed as a name it had`).to.include(a.name);
        }
        for (const chain of incident.chains) expect(chain.product && chain.vendor, `${ref}: complete chain`).to.be.ok;
      }
      const productSlugs = json.products.map((p) => p.slug);
      expect(new Set(productSlugs).size, `${ref}: products not merged`).to.equal(2);
      for (const p of json.products) expect([...names.get(p.slug)!]).to.include(p.name);
      const record = (await Dossier.findOne({ ref }).lean())!;
      expect(record.incidents, `${ref}: record and content agree`).to.equal(json.incidents.length);
    }
    expect(refs.size, 'every dossier has its own number').to.equal(DOSSIERS);
    const timings = (await Dossier.find({}).lean()).map((d) => d.timings as Record<string, number>);
    const median = (k: string) => timings.map((t) => t[k] ?? 0).sort((a, b) => a - b)[Math.floor(timings.length / 2)];
    console.log(`      dossier timings (median ms): ${['collect', 'html', 'pdf', 'zip', 'total'].map((k) => `${k} ${median(k)}`).join(', ')}`);
    console.log(`      dossiers: ${built.length} built ${AT_ONCE} at a time, ${statuses.length} /dossiers reads (all 200), writes during the run: ${writes.published} published, ${writes.withdrawn} withdrawn, ${writes.renamed} renames`);
  });
});
