import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { IndicatorImport, ProductIndicator } from '../../src/stix/model.js';
import { parsePattern } from '../../src/stix/patterns.js';
import { displayIndicator } from '../../src/facts/indicators.js';
import { agent, closeApps, csrfFrom, makeApp, type Agent } from '../helpers/app.js';
import { createEntities, createIncident, createUser, signIn, signedInAs } from '../helpers/factories.js';
import { stixProblems, stixSchemasAvailable } from '../helpers/stix-schemas.js';

const IOCS = path.resolve('../shared/data/amnesty-iocs');
const bundleFile = (name: string) => readFileSync(path.join(IOCS, name));

const reviewer = (app: Parameters<typeof agent>[0]) => signedInAs(app, ['reviewer']);

async function importBundle(a: Agent, slug: string, data: Buffer, name = 'bundle.stix2', fields: Record<string, string> = { source: 'Amnesty International Security Lab', licence: 'CC-BY 2.0' }) {
  const token = await csrfFrom(a, `/admin/products/${slug}/indicators`);
  let req = a.post(`/admin/products/${slug}/indicators?_csrf=${encodeURIComponent(token)}`).set('Sec-Fetch-Site', 'same-origin');
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  const res = await req.attach('files', data, name);
  // An import that went through leads to its result page (Post/Redirect/Get), as the browser follows.
  return res.status === 303 ? a.get(String(res.headers.location)) : res;
}

/** The set of (path, value) pairs in a bundle's indicators, as MVT would read them. */
function indicatorSet(bundle: { objects: { type: string; pattern?: string }[] }): Set<string> {
  const out = new Set<string>();
  for (const o of bundle.objects) {
    if (o.type !== 'indicator') continue;
    const parsed = parsePattern(o.pattern!);
    if (parsed.ok) out.add(`${parsed.type}=${parsed.value}`);
  }
  return out;
}

describe('STIX indicators: import and MVT export', () => {
  afterEach(closeApps);

  it('single-comparison patterns map to indicator types; compound ones are refused with a reason', () => {
    expect(parsePattern("[domain-name:value='Weather4Free.com']")).to.deep.equal({ ok: true, type: 'domain', value: 'weather4free.com' });
    expect(parsePattern("[file:hashes.'SHA-256'='" + 'A'.repeat(64) + "']")).to.deep.equal({ ok: true, type: 'sha256', value: 'a'.repeat(64) });
    expect(parsePattern("[app:id='com.example.bad']")).to.deep.include({ ok: true, type: 'app-id' });
    expect(parsePattern("[domain-name:value='a.com' OR domain-name:value='b.com']")).to.deep.equal({ ok: false, reason: 'not-single-comparison' });
    expect(parsePattern("[x509-certificate:serial_number='1']")).to.deep.equal({ ok: false, reason: 'unsupported-path' });
    expect(parsePattern("[ipv4-addr:value='999.1.1.1']")).to.deep.equal({ ok: false, reason: 'invalid-value' });
    // A broken pattern is a syntax error; a valid one the site does not support says so.
    for (const broken of ["[domain-name:value = 'a.example'", "[domain-name:value = 'unterminated]", "domain-name:value = 'x'", "[[domain-name:value = 'x']"]) expect(parsePattern(broken), broken).to.deep.equal({ ok: false, reason: 'syntax-error' });
    for (const valid of ["[url:value = 'https://x/?a=b'] WITHIN 300 SECONDS", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", "[network-traffic:dst_port = 443]", "[file:name = 'a'] OR [file:name = 'b']"]) expect(parsePattern(valid), valid).to.deep.equal({ ok: false, reason: 'not-single-comparison' });
  });

  it('the forms MVT and Amnesty bundles use: an address written as a domain, Unicode domains, CIDR ranges, Android signing certificates, escaped quotes in a process name', () => {
    expect(parsePattern("[domain-name:value='185.82.126.85']")).to.deep.equal({ ok: true, type: 'ipv4', value: '185.82.126.85' });
    expect(parsePattern("[domain-name:value='2001:db8::1']")).to.deep.equal({ ok: true, type: 'ipv6', value: '2001:db8::1' });
    expect(parsePattern("[domain-name:value='пример.рф']")).to.deep.equal({ ok: true, type: 'domain', value: 'xn--e1afmkfd.xn--p1ai' });
    expect(displayIndicator('domain', 'xn--e1afmkfd.xn--p1ai')).to.equal('xn--e1afmkfd.xn--p1ai (пример.рф)');
    expect(parsePattern("[ipv4-addr:value='198.51.100.0/24']")).to.deep.equal({ ok: true, type: 'ipv4', value: '198.51.100.0/24' });
    expect(parsePattern("[ipv6-addr:value='2001:DB8::/32']")).to.deep.equal({ ok: true, type: 'ipv6', value: '2001:db8::/32' });
    expect(parsePattern("[ipv4-addr:value='198.51.100.0/33']")).to.deep.equal({ ok: false, reason: 'invalid-value' });
    expect(parsePattern(`[app:cert.sha256='${'AB'.repeat(32)}']`)).to.deep.equal({ ok: true, type: 'app-cert-sha256', value: 'ab'.repeat(32) });
    expect(parsePattern(`[app:cert.md5='${'ab'.repeat(16)}']`)).to.deep.equal({ ok: true, type: 'app-cert-md5', value: 'ab'.repeat(16) });
    expect(parsePattern("[process:name='bh\\'s agent']")).to.deep.equal({ ok: true, type: 'process', value: "bh's agent" });
  });

  it('when a published bundle is imported and exported again, then each indicator keeps its id, dates, types, labels, author and references, the pattern as written, and the licence; the bundle\'s structural problems are named', async function () {
    if (!existsSync(IOCS)) this.skip();
    const { app } = makeApp();
    const { product } = await createEntities();
    const a = await reviewer(app);
    const original = JSON.parse(bundleFile('cytrox.stix2').toString()) as { objects: Record<string, unknown>[] };
    // The real Cytrox bundle, with an author, a label and a reference added to two of its indicators,
    // an IP written as a domain, a duplicate id and a relationship to nothing.
    const author = { type: 'identity', spec_version: '2.1', id: 'identity--a4c5e6b7-1111-4222-8333-944455566677', created: '2021-12-16T00:00:00.000Z', modified: '2021-12-16T00:00:00.000Z', name: 'Amnesty International Security Lab', identity_class: 'organization' };
    const indicators = original.objects.filter((o) => o.type === 'indicator');
    const first: Record<string, unknown> = { ...indicators[0]!, created_by_ref: author.id, labels: ['predator'], external_references: [{ source_name: 'amnesty', url: 'https://www.amnesty.org/en/latest/research/' }] };
    const ipAsDomain = { type: 'indicator', spec_version: '2.1', id: 'indicator--b1c2d3e4-0000-4111-8222-933344455566', created: '2021-12-16T10:00:00.000Z', modified: '2021-12-16T10:00:00.000Z', valid_from: '2021-12-16T10:00:00.000Z', pattern: "[domain-name:value='185.82.126.85']", pattern_type: 'stix', pattern_version: '2.1', indicator_types: ['malicious-activity'] };
    const malware = original.objects.find((o) => o.type === 'malware')!;
    const bundle = {
      ...original,
      objects: [author, first, ...original.objects.filter((o) => o !== indicators[0]), ipAsDomain, { ...ipAsDomain, pattern: "[domain-name:value='dup.example']" },
        { type: 'relationship', spec_version: '2.1', id: 'relationship--c1c2d3e4-0000-4111-8222-933344455566', created: '2021-12-16T10:00:00.000Z', modified: '2021-12-16T10:00:00.000Z', relationship_type: 'indicates', source_ref: ipAsDomain.id, target_ref: 'malware--00000000-0000-4000-8000-000000000000' },
        { type: 'relationship', spec_version: '2.1', id: 'relationship--d1c2d3e4-0000-4111-8222-933344455566', created: '2021-12-16T10:00:00.000Z', modified: '2021-12-16T10:00:00.000Z', relationship_type: 'indicates', source_ref: ipAsDomain.id, target_ref: malware.id }],
    };
    const res = await importBundle(a, product.slug, Buffer.from(JSON.stringify(bundle)), 'cytrox-annotated.stix2', { source: 'Amnesty International Security Lab', licence: 'CC-BY-4.0' });
    expect(res.status).to.equal(200);
    expect(res.text).to.contain('problems in the bundle').and.contain('the same id is used by two objects').and.contain('a relationship points at an object that is not in the bundle');
    const stored = (await ProductIndicator.findOne({ product: product._id, value: '185.82.126.85' }).lean())!;
    expect(stored.type).to.equal('ipv4');
    expect(stored.published?.pattern).to.equal("[domain-name:value='185.82.126.85']");

    const exported = JSON.parse((await agent(app).get(`/products/${product.slug}/claims.stix2`).buffer(true)).text) as { objects: Record<string, unknown>[] };
    const byId = new Map(exported.objects.map((o) => [o.id as string, o]));
    // Every imported indicator is exported under the publisher's id, with its dates.
    for (const o of indicators) {
      const out = byId.get(o.id as string);
      expect(out, o.id as string).to.not.equal(undefined);
      expect(out).to.deep.include({ created: o.created, modified: o.modified, valid_from: o.valid_from, indicator_types: o.indicator_types });
    }
    expect(byId.get(first.id as string)).to.deep.include({ created_by_ref: author.id, labels: ['predator'] });
    expect((byId.get(first.id as string)!.external_references as { source_name: string; description?: string }[]).map((r) => r.source_name)).to.deep.equal(['amnesty', 'Amnesty International Security Lab']);
    expect(JSON.stringify(byId.get(first.id as string))).to.contain('licence: CC-BY-4.0');
    expect(byId.get(author.id)).to.deep.include({ type: 'identity', name: 'Amnesty International Security Lab' });
    expect(byId.get(ipAsDomain.id)).to.deep.include({ pattern: "[domain-name:value='185.82.126.85']", created: '2021-12-16T10:00:00.000Z' });
    if (stixSchemasAvailable()) expect(stixProblems(exported as never)).to.deep.equal([]);
    // The MVT file keeps ids and dates too, with patterns as MVT reads them.
    const mvt = JSON.parse((await agent(app).get(`/products/${product.slug}/indicators.stix2`).buffer(true)).text) as { objects: Record<string, unknown>[] };
    expect(mvt.objects.find((o) => o.id === first.id)).to.deep.include({ created: first.created, valid_from: first.valid_from });
  });

  it('when one bundle describes two malware objects (Pegasus and Predator), then the reviewer chooses per product which one it is, and each product gets only the indicators linked to its own', async function () {
    if (!existsSync(IOCS)) this.skip();
    const { app } = makeApp();
    const pegasusProduct = (await createEntities()).product;
    const predatorProduct = (await createEntities()).product;
    const a = await reviewer(app);
    const pegasus = JSON.parse(bundleFile('pegasus.stix2').toString()) as { objects: Record<string, unknown>[] };
    const cytrox = JSON.parse(bundleFile('cytrox.stix2').toString()) as { objects: Record<string, unknown>[] };
    const both = Buffer.from(JSON.stringify({ type: 'bundle', id: 'bundle--5a5b5c5d-0000-4111-8222-933344455566', objects: [...pegasus.objects, ...cytrox.objects] }));
    const [pegasusMalware, predatorMalware] = [pegasus, cytrox].map((b) => b.objects.find((o) => o.type === 'malware')! as { id: string; name: string });
    const refused = await importBundle(a, pegasusProduct.slug, both, 'both.stix2');
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain('This bundle describes several malware objects');
    expect(refused.text).to.contain(`<option value="${pegasusMalware!.id}" >Pegasus — 1549 indicators linked</option>`);
    expect(await ProductIndicator.countDocuments({})).to.equal(0);
    const first = await importBundle(a, pegasusProduct.slug, both, 'both.stix2', { source: 'Amnesty International Security Lab', licence: 'CC-BY 2.0', malware: pegasusMalware!.id });
    expect(first.status).to.equal(200);
    expect(first.text).to.contain('1549 indicators read: 1549 added').and.contain('343 indicators of the bundle belong to other malware objects');
    const second = await importBundle(a, predatorProduct.slug, both, 'both.stix2', { source: 'Amnesty International Security Lab', licence: 'CC-BY 2.0', malware: predatorMalware!.id });
    expect(second.text).to.contain('343 indicators read: 343 added').and.contain('1549 indicators of the bundle belong to other malware objects');
    expect(await ProductIndicator.countDocuments({ product: pegasusProduct._id })).to.equal(1549);
    expect(await ProductIndicator.countDocuments({ product: predatorProduct._id })).to.equal(343);
  });

  it('when a reviewer imports the Pegasus bundle twice, then 1,549 indicators are added once, the export gives the same set, valid against the OASIS schemas', async function () {
    if (!existsSync(IOCS)) this.skip();
    const { app } = makeApp();
    const { product } = await createEntities();
    const a = await reviewer(app);
    const first = await importBundle(a, product.slug, bundleFile('pegasus.stix2'), 'pegasus.stix2');
    expect(first.status).to.equal(200);
    expect(first.text).to.contain('1549 indicators read: 1549 added, 0 already present, 0 not understood');
    expect(await ProductIndicator.countDocuments({ product: product._id })).to.equal(1549);

    const second = await importBundle(a, product.slug, bundleFile('pegasus.stix2'), 'pegasus.stix2');
    expect(second.text).to.contain('1549 indicators read: 0 added, 1549 already present');
    expect(await ProductIndicator.countDocuments({ product: product._id })).to.equal(1549);
    const imports = await IndicatorImport.find({ product: product._id }).lean();
    expect(imports.map((i) => i.licence)).to.deep.equal(['CC-BY 2.0', 'CC-BY 2.0']);
    expect(await AuditEvent.countDocuments({ action: 'indicators.import' })).to.equal(2);

    const profile = await agent(app).get(`/products/${product.slug}`);
    expect(profile.text).to.contain('1549 indicators.').and.contain(`/products/${product.slug}/indicators.stix2`);
    const exported = await agent(app).get(`/products/${product.slug}/indicators.stix2`).buffer(true);
    expect(exported.status).to.equal(200);
    const bundle = JSON.parse(exported.text) as { objects: { type: string; pattern?: string; id: string; relationship_type?: string; target_ref?: string }[] };
    const original = JSON.parse(bundleFile('pegasus.stix2').toString()) as { objects: { type: string; pattern?: string }[] };
    expect(indicatorSet(bundle)).to.deep.equal(indicatorSet(original));
    const malware = bundle.objects.filter((o) => o.type === 'malware');
    expect(malware).to.have.length(1);
    expect(malware[0]).to.deep.include({ x_tracker_category: 'spyware' });
    const relationships = bundle.objects.filter((o) => o.type === 'relationship');
    expect(relationships).to.have.length(1549);
    expect(relationships.every((r) => r.relationship_type === 'indicates' && r.target_ref === malware[0]!.id)).to.equal(true);
    if (stixSchemasAvailable()) expect(stixProblems(bundle)).to.deep.equal([]);
    else console.log('      (skipped: OASIS STIX schemas not found in ../shared/data)');
  });

  it('when the Cytrox bundle is imported, then file paths and configuration profiles are understood too', async function () {
    if (!existsSync(IOCS)) this.skip();
    const { app } = makeApp();
    const { product } = await createEntities();
    const a = await reviewer(app);
    const res = await importBundle(a, product.slug, bundleFile('cytrox.stix2'), 'cytrox.stix2');
    expect(res.text).to.contain('343 indicators read: 343 added');
  });

  it('when a bundle has patterns MVT does not read, then they are counted and listed, not dropped silently', async () => {
    const { app } = makeApp();
    const { product } = await createEntities();
    const a = await reviewer(app);
    const bundle = {
      type: 'bundle',
      id: 'bundle--0e0f1c1e-2b2c-4d4e-8f8a-9b9c0d0e1f2a',
      objects: [
        { type: 'indicator', pattern: "[domain-name:value='one.example']", pattern_type: 'stix' },
        { type: 'indicator', pattern: "[domain-name:value='a.example' OR domain-name:value='b.example']", pattern_type: 'stix' },
        { type: 'indicator', pattern: 'alert tcp any any', pattern_type: 'snort' },
      ],
    };
    const res = await importBundle(a, product.slug, Buffer.from(JSON.stringify(bundle)));
    expect(res.text).to.contain('3 indicators read').and.contain('1 added').and.contain('2 not understood');
    expect(res.text).to.contain('a.example').and.contain('a valid pattern this site does not support').and.contain('not a STIX pattern');
  });

  it('when a bundle holds revoked, expired or benign indicators and a broken pattern, then none is published as malicious: each is listed with its reason, and a syntax error is told apart from an unsupported pattern', async () => {
    const { app } = makeApp();
    const { product } = await createEntities();
    const a = await reviewer(app);
    const indicator = (n: number, pattern: string, extra: Record<string, unknown> = {}) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--0e0f1c1e-2b2c-4d4e-8f8a-00000000000${n}`, pattern, pattern_type: 'stix', valid_from: '2023-01-01T00:00:00Z', ...extra });
    const bundle = {
      type: 'bundle',
      id: 'bundle--0e0f1c1e-2b2c-4d4e-8f8a-9b9c0d0e1f2b',
      objects: [
        indicator(1, "[domain-name:value='kept.example']"),
        indicator(2, "[domain-name:value='revoked.example']", { revoked: true }),
        indicator(3, "[domain-name:value='expired.example']", { valid_until: '2024-01-01T00:00:00Z' }),
        indicator(4, "[domain-name:value='benign.example']", { indicator_types: ['benign'] }),
        indicator(5, "[domain-name:value='labelled.example']", { labels: ['Benign'] }),
        indicator(6, "[domain-name:value='still-valid.example']", { valid_until: '2099-01-01T00:00:00Z', indicator_types: ['malicious-activity'] }),
        indicator(7, "[domain-name:value = 'broken.example'"),
      ],
    };
    const res = await importBundle(a, product.slug, Buffer.from(JSON.stringify(bundle)));
    expect(res.text).to.contain('7 indicators read: 2 added').and.contain('1 not understood').and.contain('4 withheld');
    const stored = (await ProductIndicator.find({ product: product._id }).lean()).map((i) => i.value).sort();
    expect(stored).to.deep.equal(['kept.example', 'still-valid.example']);
    expect(res.text).to.contain('revoked by the publisher').and.contain('expired (valid_until has passed)').and.contain('marked benign by the publisher');
    expect(res.text).to.contain('syntax error: not a well-formed STIX pattern');
    const mvt = await agent(app).get(`/products/${product.slug}/indicators.stix2`);
    for (const value of ['revoked.example', 'expired.example', 'benign.example', 'labelled.example']) expect(mvt.text).not.to.contain(value);
    const record = await IndicatorImport.findOne({ product: product._id }).lean();
    expect(record!.withheld.map((w) => w.reason)).to.deep.equal(['revoked', 'expired', 'benign', 'benign']);
  });

  it('when the file is not a bundle or the licence is missing, then the form says so (422) and nothing is stored', async () => {
    const { app } = makeApp();
    const { product } = await createEntities();
    const a = await reviewer(app);
    const notJson = await importBundle(a, product.slug, Buffer.from('not json'));
    expect(notJson.status).to.equal(422);
    expect(notJson.text).to.contain('The file is not JSON.');
    const noLicence = await importBundle(a, product.slug, Buffer.from('{"type":"bundle","objects":[{"type":"indicator","pattern":"[domain-name:value=\'x.example\']"}]}'), 'b.json', { source: 'Lab', licence: '' });
    expect(noLicence.status).to.equal(422);
    expect(await ProductIndicator.countDocuments({})).to.equal(0);
    expect(await IndicatorImport.countDocuments({})).to.equal(0);
  });

  it('when a researcher or a visitor tries to import, then 403 / sign-in, and nothing is stored', async () => {
    const { app } = makeApp();
    const { product } = await createEntities();
    const a = agent(app);
    await signIn(a, await createUser({ roles: ['researcher'] }));
    expect((await a.get(`/admin/products/${product.slug}/indicators`)).status).to.equal(403);
    expect((await agent(app).get(`/admin/products/${product.slug}/indicators`)).status).to.equal(302);
  });

  it('the MVT export also carries the indicators of verified public incidents attributing the product, never those of restricted ones', async () => {
    const { app } = makeApp();
    const { product } = await createEntities();
    await createIncident({ status: 'verified', productId: product._id, extra: { indicators: [{ type: 'domain', value: 'public-case.example' }] } });
    await createIncident({ status: 'verified', visibility: 'restricted', productId: product._id, extra: { indicators: [{ type: 'domain', value: 'restricted-case.example' }] } });
    await createIncident({ status: 'draft', productId: product._id, extra: { indicators: [{ type: 'domain', value: 'draft-case.example' }] } });
    const res = await agent(app).get(`/products/${product.slug}/indicators.stix2`).buffer(true);
    const bundle = JSON.parse(res.text) as { objects: { type: string; pattern?: string; id: string }[] };
    expect([...indicatorSet(bundle)]).to.deep.equal(['domain=public-case.example']);
    if (stixSchemasAvailable()) expect(stixProblems(bundle)).to.deep.equal([]);
  });
});
