import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { userActor } from '../../src/audit/index.js';
import { Product } from '../../src/products/model.js';
import { parsePattern } from '../../src/stix/patterns.js';
import { importIndicators, indicatorObjects, productIndicators } from '../../src/stix/service.js';
import { productObject } from '../../src/stix/entities.js';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { createEntities, createUser } from '../helpers/factories.js';
import { MvtWouldRefuse, mvtParseStix2 } from '../helpers/mvt-loader.js';

const IOCS = path.resolve('../shared/data/amnesty-iocs');
const LIST_OF_TYPE: Record<string, string> = {
  domain: 'domains',
  process: 'processes',
  email: 'emails',
  'file-name': 'file_names',
  'file-path': 'file_paths',
  sha256: 'files_sha256',
  'app-id': 'app_ids',
  'configuration-profile': 'ios_profile_ids',
};

/** A bundle of the given patterns, as a publisher would write it. */
function bundleOf(patterns: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--6f1c2d0e-0000-4000-8000-000000000001',
      objects: patterns.map((pattern, n) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--6f1c2d0e-0000-4000-8000-${String(n).padStart(12, '0')}`, created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', pattern, pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z' })),
    }),
  );
}

const MIXED = [
  "[url:value = 'https://tracking.example/click?id=42&u=x']",
  "[url:value = 'https://plain.example/path']",
  "[ipv4-addr:value = '203.0.113.7']",
  "[domain-name:value = 'mvt-check.example']",
  "[file:hashes.sha256 = '0d5ff2d8ab7d52e4b7a2f0f2b4f8a5a6a1b3c4d5e6f708192a3b4c5d6e7f8091']",
  "[process:name = 'bh']",
  "[file:hashes.md5 = 'd41d8cd98f00b204e9800998ecf8427e']",
];

/** Every indicator the export carries is read by MVT, under the right key, with the value we mean. */
function expectReadCorrectly(text: string): number {
  const collections = mvtParseStix2(text);
  const bundle = JSON.parse(text) as { objects: { type: string; pattern?: string }[] };
  const indicators = bundle.objects.filter((o) => o.type === 'indicator');
  expect(collections).to.have.length(1);
  for (const i of indicators) {
    const parsed = parsePattern(i.pattern!);
    expect(parsed.ok, i.pattern).to.equal(true);
    if (!parsed.ok) continue;
    const list = LIST_OF_TYPE[parsed.type];
    expect(list, `${i.pattern}: a kind MVT does not read is in the MVT file`).to.be.a('string');
    expect(collections[0]!.lists[list!], i.pattern).to.include(parsed.value);
  }
  expect(collections[0]!.count).to.equal(indicators.length);
  return indicators.length;
}

describe('MVT file: only what MVT\'s loader reads correctly', () => {
  afterEach(closeApps);

  it('the loader re-implementation reads Amnesty\'s published files as MVT does, and refuses a value with "=" as MVT does', () => {
    for (const file of ['pegasus.stix2', 'cytrox.stix2']) {
      const collections = mvtParseStix2(readFileSync(path.join(IOCS, file), 'utf8'));
      expect(collections.length, file).to.be.greaterThan(0);
      expect(collections.reduce((n, c) => n + c.count, 0), file).to.be.greaterThan(10);
    }
    const withEquals = { type: 'bundle', objects: [{ type: 'malware', id: 'malware--1', name: 'X' }, { type: 'indicator', id: 'indicator--1', pattern: "[url:value='https://a.example/?q=1']" }, { type: 'relationship', source_ref: 'indicator--1', target_ref: 'malware--1', relationship_type: 'indicates' }] };
    expect(() => mvtParseStix2(JSON.stringify(withEquals))).to.throw(MvtWouldRefuse, /too many values/);
  });

  it('when a product holds Amnesty\'s Pegasus indicators plus URLs with "=", IPs and MD5s, then MVT reads every line of its MVT file correctly, and the page says what was left out and why', async () => {
    const { app } = makeApp();
    const { product } = await createEntities();
    const { user } = await createUser({ roles: ['reviewer'] });
    const actor = userActor(user);
    await importIndicators({ actor, product, file: { buffer: readFileSync(path.join(IOCS, 'pegasus.stix2')), originalname: 'pegasus.stix2' }, source: 'https://github.com/AmnestyTech/investigations', licence: 'CC-BY-4.0' });
    await importIndicators({ actor, product, file: { buffer: bundleOf(MIXED), originalname: 'mixed.stix2' }, source: 'https://example.org/report', licence: 'CC-BY-4.0' });
    const stored = await productIndicators(product._id);
    // What the file held before this change: every indicator. MVT would have refused it whole.
    const everything = { type: 'bundle', objects: [productObject(product), ...indicatorObjects(stored, productObject(product).id)] };
    expect(() => mvtParseStix2(JSON.stringify(everything))).to.throw(MvtWouldRefuse);

    const res = await agent(app).get(`/products/${product.slug}/indicators.stix2`).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString('utf8')));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).to.equal(200);
    const included = expectReadCorrectly(res.body as string);
    expect(res.body as string).not.to.contain('click?id=42');
    expect(res.body as string).to.contain('mvt-check.example');
    const notRead = stored.filter((i) => !LIST_OF_TYPE[i.type]).length;
    expect(included).to.equal(stored.length - notRead);

    const page = await agent(app).get(`/products/${product.slug}`);
    expect(page.text).to.contain(`The MVT file holds ${included} of them`);
    expect(page.text).to.contain('1 value containing “=”');
    expect(page.text).to.contain(`${notRead - 1} indicators of kinds MVT does not read`);
    const arabic = await agent(app).get(`/products/${product.slug}?lng=ar`);
    expect(arabic.text).to.contain('يقسم كل نمط عند «=»');
  });

  it('when the product is not malware, then MVT would read none of its indicators: the MVT file holds none and the page says why', async () => {
    const { app } = makeApp();
    const { vendor } = await createEntities();
    const tool = await Product.create({ slug: 'extraction-kit', name: 'Extraction Kit', vendor: vendor._id, category: 'forensic-extraction' });
    const { user } = await createUser({ roles: ['reviewer'] });
    await importIndicators({ actor: userActor(user), product: tool, file: { buffer: bundleOf(["[domain-name:value = 'kit.example']"]), originalname: 'kit.stix2' }, source: 'https://example.org/report', licence: 'CC-BY-4.0' });
    const res = await agent(app).get('/products/extraction-kit/indicators.stix2');
    const bundle = JSON.parse(res.text) as { objects: { type: string }[] };
    expect(bundle.objects.map((o) => o.type)).to.deep.equal(['tool']);
    expect(mvtParseStix2(res.text)).to.deep.equal([]);
    expect((await agent(app).get('/products/extraction-kit')).text).to.contain('MVT reads indicators of malware only');
  });
});
