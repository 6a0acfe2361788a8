import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { AuditEvent } from '../../src/audit/index.js';
import { Incident } from '../../src/incidents/model.js';
import { Product } from '../../src/products/model.js';
import { migrateOperatorLinks } from '../../src/incidents/migrate.js';
import { seedDemo } from '../../src/seed/demo.js';
import { agent, closeApps, makeApp, type Agent } from '../helpers/app.js';
import { testConfig } from '../helpers/engine.js';
import { createEntities, createIncident, signedInAs } from '../helpers/factories.js';
import { buildAndDownload } from '../dossiers/helpers.js';
import { stixProblems, stixSchemasAvailable } from '../helpers/stix-schemas.js';

/** The text of the section of a page that starts at `heading` (up to the next section's end). */
function section(html: string, heading: string): string {
  const at = html.indexOf(heading);
  if (at === -1) return '';
  return html.slice(at, html.indexOf('</section>', at));
}

const DOUBLY = 'Exiled Egyptian politician’s iPhone infected with both Pegasus and Predator';
const LOW_ONLY = /FinSpy/;

/** The demonstration data with its two cases: the doubly infected iPhone and the low-only operator. */
async function demoCases() {
  const { app } = makeApp();
  await seedDemo(testConfig());
  const doubly = (await Incident.findOne({ title: DOUBLY }).lean())!;
  const lowOnly = (await Incident.findOne({ title: LOW_ONLY }).lean())!;
  return { app, doubly, lowOnly, visitor: agent(app) };
}

/**
 * Attribution claims (incidents/claims.ts) on the demonstration data: the doubly infected iPhone
 * (Pegasus and Predator, two different operators; Egypt attributed for Predator only) and an incident
 * whose only operator claim is low (a lead).
 */
describe('attribution claims: chains only where a claim links them, leads never counted', () => {
  afterEach(closeApps);

  it('when an incident names Pegasus and Predator and Egypt operated Predator only, then no page links Egypt to Pegasus or NSO Group', async function () {
    this.timeout(120_000);
    const { app } = makeApp();
    await seedDemo(testConfig());
    const doubly = (await Incident.findOne({ title: DOUBLY }).lean())!;
    const visitor = agent(app);

    const egypt = (await visitor.get('/governments/egypt')).text;
    expect(section(egypt, 'Vendors attributed')).to.include('/vendors/cytrox').and.not.to.include('/vendors/nso-group');
    expect(section(egypt, 'Products attributed')).to.include('/products/predator').and.not.to.include('/products/pegasus');

    const nso = (await visitor.get('/vendors/nso-group')).text;
    expect(section(nso, 'Operator governments')).not.to.include('/governments/egypt');
    expect(section(nso, 'Operator governments')).to.include('/governments/saudi-arabia');
    const pegasus = (await visitor.get('/products/pegasus')).text;
    expect(section(pegasus, 'Operators, with the confidence')).not.to.include('/governments/egypt');
    const predator = (await visitor.get('/products/predator')).text;
    expect(section(predator, 'Operators, with the confidence')).to.include('/governments/egypt');

    // The incident page says which operator operated what.
    const page = (await visitor.get(`/incidents/${doubly.ref}`)).text;
    expect(page).to.include('Operated: Predator');

    // The signed dossier: Pegasus has no operator in this incident, Predator has Egypt.
    const { files } = await buildAndDownload(await signedInAs(app, ['policymaker']), { subject: 'vendor', vendor: 'nso-group' });
    const json = JSON.parse(files.get('dossier.json')!.toString()) as { incidents: { ref: string; chains: { product: string; operator: string }[] }[]; summary: { operators: { slug: string }[] } };
    const chains = json.incidents.find((i) => i.ref === doubly.ref)!.chains;
    expect(chains.find((c) => c.product === 'Pegasus')!.operator).to.equal('');
    expect(chains.find((c) => c.product === 'Predator')!.operator).to.equal('Government of Egypt');
    // The PDF, as a reader's tool extracts it: no chain runs from Pegasus to Egypt.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'claims-pdf-'));
    writeFileSync(path.join(dir, 'd.pdf'), files.get('dossier.pdf')!);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-layout', path.join(dir, 'd.pdf'), '-'], { encoding: 'utf8' });
    expect(text).to.include('Predator');
    expect(text.split('\n').filter((line) => /Pegasus.*Egypt/.test(line))).to.deep.equal([]);
  });

  it('when an incident\'s only operator claim is low, then it is a lead: shown as such, not counted for that government, cited by no dossier criterion', async function () {
    this.timeout(120_000);
    const { app } = makeApp();
    await seedDemo(testConfig());
    const lowOnly = (await Incident.findOne({ title: LOW_ONLY }).lean())!;
    const visitor = agent(app);
    const egypt = (await visitor.get('/governments/egypt')).text;
    // Counted: the two Predator incidents, not the FinSpy lead.
    const counted = section(egypt, 'id="incidents').length ? section(egypt, 'id="incidents') : egypt.slice(0, egypt.indexOf('Leads (not counted)'));
    expect(counted).not.to.include(lowOnly.ref);
    expect(section(egypt, 'Leads (not counted)')).to.include(lowOnly.ref);
    expect(section(egypt, 'Products attributed')).not.to.include('/products/finspy');
    const incidentPage = (await visitor.get(`/incidents/${lowOnly.ref}`)).text;
    expect(incidentPage).to.include('Lead — not counted as a finding');
    // /incidents filtered by the government: the facet and the list count findings only.
    const filtered = (await visitor.get('/incidents?government=egypt')).text;
    expect(filtered).not.to.include(lowOnly.ref);

    const { files } = await buildAndDownload(await signedInAs(app, ['policymaker']), { subject: 'filter', filter: 'country=EG', framing: 'eo-14093' });
    const json = JSON.parse(files.get('dossier.json')!.toString()) as { framing: { criteria: { key: string; incidents: string[] }[] }; summary: { operators: { slug: string; n: number }[] }; incidents: { ref: string; attributions: { kind: string; slug: string; finding: boolean }[] }[] };
    // Its product is a finding (FinSpy, confirmed) and may support criteria about the spyware; its operator is a lead
    // and supports none of the criteria about a government.
    const html = files.get('dossier.html')!.toString();
    expect(html.slice(html.indexOf('id="leads"'))).to.include(lowOnly.ref).and.include('Government of Egypt');
    for (const c of json.framing.criteria.filter((x) => ['government', 'transnational', 'domestic'].includes(x.key))) expect(c.incidents, c.key).not.to.include(lowOnly.ref);
    expect(json.incidents.find((i) => i.ref === lowOnly.ref)!.attributions.find((a) => a.kind === 'government')!.finding).to.equal(false);
    const egyptFindings = json.incidents.filter((i) => i.attributions.some((a) => a.kind === 'government' && a.slug === 'egypt' && a.finding)).length;
    expect(json.summary.operators.find((o) => o.slug === 'egypt')?.n ?? 0).to.equal(egyptFindings);
    expect(json.incidents.some((i) => i.ref === lowOnly.ref), 'the lead incident is in the dossier (its product is a finding)').to.equal(true);
  });

  it('when /incidents.csv and /claims.csv are downloaded, then the vendor columns are filled from findings and each claim is its own row saying what it links', async function () {
    this.timeout(60_000);
    const { doubly, lowOnly, visitor } = await demoCases();
    const incidents = parse<Record<string, string>>((await visitor.get('/incidents.csv?vendor=nso-group')).text.replace(/^\uFEFF/, ''), { columns: true });
    expect(incidents.length).to.be.greaterThan(3);
    for (const row of incidents) expect(row['vendors'], row['ref']).to.include('NSO Group');
    const claims = parse<Record<string, string>>((await visitor.get('/claims.csv')).text.replace(/^\uFEFF/, ''), { columns: true });
    const ofDoubly = claims.filter((r) => r['incident'] === doubly.ref);
    expect(ofDoubly.filter((r) => r['kind'] === 'operator').map((r) => [r['product'], r['vendor'], r['operator']])).to.deep.equal([['Predator', 'Cytrox', 'Government of Egypt']]);
    expect(ofDoubly.find((r) => r['product'] === 'Pegasus')!['operator']).to.equal('');
    const lead = claims.find((r) => r['incident'] === lowOnly.ref && r['kind'] === 'operator')!;
    expect([lead['confidence'], lead['finding_or_lead']]).to.deep.equal(['low', 'lead']);
    const lowRow = (parse<Record<string, string>>((await visitor.get('/incidents.csv')).text.replace(/^\uFEFF/, ''), { columns: true })).find((r) => r['ref'] === lowOnly.ref)!;
    expect(lowRow['operators']).to.equal('');
    expect(lowRow['leads']).to.include('Egypt');
  });

  it('when the API and the STIX bundles are read, then each claim says what it links and its confidence, and the aggregates count findings only', async function () {
    this.timeout(60_000);
    const { doubly, lowOnly, visitor } = await demoCases();
    type Claim = { kind: string; slug: string; confidence: string; finding: boolean; operated?: { product: string | null; vendor: string | null } | null };
    const claimsOf = async (ref: string) => ((await visitor.get(`/api/v1/incidents/${ref}`)).body as { data: { attributions: Claim[] } }).data.attributions;
    const operators = (await claimsOf(doubly.ref)).filter((a) => a.kind === 'government');
    expect(operators.map((a) => [a.slug, a.operated, a.finding])).to.deep.equal([['egypt', { product: 'predator', vendor: 'cytrox' }, true]]);
    const lead = (await claimsOf(lowOnly.ref)).find((a) => a.kind === 'government')!;
    expect([lead.confidence, lead.finding]).to.deep.equal(['low', false]);
    // Aggregates: Egypt is counted for its findings; the FinSpy lead is counted apart, as a lead.
    const egypt = ((await visitor.get('/api/v1/governments/egypt')).body as { data: { incidents: number; leads: number } }).data;
    const page = (await visitor.get('/governments/egypt')).text;
    expect(egypt.leads).to.equal(1);
    expect(/href="[^"]*">(\d+)<\/a><\/dd>/.exec(page)?.[1], 'the profile\'s headline figure').to.equal(String(egypt.incidents));

    // STIX: Pegasus has no Egypt; Predator has one 'uses' per operator claim, with the claim's confidence.
    type Bundle = { objects: { type: string; id: string; name?: string; relationship_type?: string; source_ref?: string; target_ref?: string; confidence?: number; external_references?: { external_id?: string }[] }[] };
    // application/stix+json is parsed as JSON by the client.
    const stix = async (slug: string) => (await visitor.get(`/products/${slug}/claims.stix2`).expect(200)).body as Bundle;
    const [pegasusBundle, predator, finspy] = [await stix('pegasus'), await stix('predator'), await stix('finspy')];
    expect(pegasusBundle.objects.filter((o) => o.type === 'threat-actor').map((o) => o.name)).not.to.include('Government of Egypt');
    const egyptActor = predator.objects.find((o) => o.type === 'threat-actor' && o.name === 'Government of Egypt')!;
    const uses = predator.objects.filter((o) => o.type === 'relationship' && o.relationship_type === 'uses' && o.source_ref === egyptActor.id);
    expect(uses.length).to.be.greaterThan(0);
    const ofDoubly = uses.find((o) => o.external_references!.some((r) => r.external_id === doubly.ref))!;
    expect(ofDoubly.confidence).to.equal(50);
    const leadUse = finspy.objects.find((o) => o.relationship_type === 'uses' && o.external_references!.some((r) => r.external_id === lowOnly.ref))!;
    expect(leadUse.confidence).to.equal(15);
    expect(finspy.objects.filter((o) => o.type === 'sighting' && o.external_references!.some((r) => r.external_id === lowOnly.ref)).map((o) => o.confidence)).to.deep.equal([100]);
    if (stixSchemasAvailable()) for (const bundle of [pegasusBundle, predator, finspy]) expect(stixProblems(bundle)).to.deep.equal([]);
  });

  it('when a product changed hands, then an incident is attributed to the vendor of its time on profiles, filters, CSV and dossiers; the editor stores the history and refuses an unknown vendor', async function () {
    this.timeout(120_000);
    const { app } = makeApp();
    const { vendor: now, product } = await createEntities();
    const { vendor: before } = await createEntities();
    const reviewer = await signedInAs(app, ['reviewer']);
    const edit = async (formerVendor: string) => {
      const token = /name="_csrf" value="([^"]+)"/.exec((await reviewer.get(`/admin/products/${product.slug}/edit`)).text)![1]!;
      return reviewer.post(`/admin/products/${product.slug}`).type('form').send({
        _csrf: token, name: product.name, nameAr: '', slug: product.slug, vendor: String(now._id), category: 'spyware', aliases: '', description: '',
        'formerVendors[0][vendor]': formerVendor, 'formerVendors[0][until]': '2020-01-01',
      });
    };
    expect((await edit(String(new mongoose.Types.ObjectId()))).status).to.equal(422);
    expect((await Product.findById(product._id).lean())!.formerVendors).to.deep.equal([]);
    expect((await edit(String(before._id))).status).to.equal(302);
    expect(await AuditEvent.countDocuments({ action: 'product.updated' })).to.be.greaterThan(0);

    const dated = (y: number) => ({ dates: { from: { y }, start: new Date(Date.UTC(y, 5, 1)), end: new Date(Date.UTC(y, 5, 30)) }, year: y });
    const earlier = await createIncident({ status: 'verified', title: 'Before the sale', productId: product._id, extra: dated(2019) });
    const later = await createIncident({ status: 'verified', title: 'After the sale', productId: product._id, extra: dated(2021) });
    const visitor = agent(app);
    const refs = (html: string) => [...new Set([...html.matchAll(/\/incidents\/(I-\d{4}-\d{5})/g)].map((m) => m[1]))].sort();
    expect(refs((await visitor.get(`/vendors/${before.slug}`)).text)).to.deep.equal([earlier.ref]);
    expect(refs((await visitor.get(`/vendors/${now.slug}`)).text)).to.deep.equal([later.ref]);
    expect(refs((await visitor.get(`/incidents?vendor=${before.slug}`)).text)).to.deep.equal([earlier.ref]);
    expect((await visitor.get(`/products/${product.slug}`)).text).to.include(`<a href="/vendors/${before.slug}"><bdi>${before.name}</bdi></a> (Until <bdi dir="ltr">2020-01-01</bdi>)`);
    const csv = parse<Record<string, string>>((await visitor.get('/incidents.csv')).text.replace(/^\uFEFF/, ''), { columns: true });
    expect(csv.map((r) => [r['ref'], r['vendors']]).sort()).to.deep.equal([[earlier.ref, before.name], [later.ref, now.name]].sort());
    const { files } = await buildAndDownload(await signedInAs(app, ['policymaker']), { subject: 'filter', filter: 'target=journalist' });
    const json = JSON.parse(files.get('dossier.json')!.toString()) as { incidents: { ref: string; chains: { vendor: string }[] }[] };
    expect(json.incidents.find((i) => i.ref === earlier.ref)!.chains.map((c) => c.vendor)).to.deep.equal([before.name]);
    expect(json.incidents.find((i) => i.ref === later.ref)!.chains.map((c) => c.vendor)).to.deep.equal([now.name]);
  });

  it('when legacy incidents are migrated, then an operator is linked only to the one product its incident names, ambiguous ones are listed for reviewers and left unlinked, and a second run changes nothing', async () => {
    const { app } = makeApp();
    const { product, government } = await createEntities();
    const other = await createEntities();
    const single = await createIncident({ status: 'verified', productId: product._id, governmentId: government._id });
    const crossed = await createIncident({ status: 'verified', productId: product._id, governmentId: government._id, extra: { attributions: [
      { kind: 'product', product: product._id, confidence: 'high', basis: 'Traces.', sources: [0] },
      { kind: 'product', product: other.product._id, confidence: 'high', basis: 'Traces.', sources: [0] },
      { kind: 'government', government: government._id, confidence: 'medium', basis: 'Targeting.', sources: [0] },
    ] } });
    const first = await migrateOperatorLinks();
    expect(first).to.deep.include({ linked: 1, incidents: 1, needReview: [crossed.ref] });
    const linked = (await Incident.findById(single._id).lean())!.attributions.find((a) => a.kind === 'government')!;
    expect(String(linked.product)).to.equal(String(product._id));
    const unlinked = (await Incident.findById(crossed._id).lean())!.attributions.find((a) => a.kind === 'government')!;
    expect(unlinked.product ?? null).to.equal(null);
    const second = await migrateOperatorLinks();
    expect(second).to.deep.include({ linked: 0, incidents: 0, needReview: [crossed.ref] });
    expect(await AuditEvent.countDocuments({ action: 'incidents.operators-linked' })).to.equal(2);
    // The reviewers' queue lists what is left to link (published or not), and only that.
    const queue = section((await (await signedInAs(app, ['reviewer'])).get('/review')).text, 'Operator claims to link');
    expect(queue).to.include(`/incidents/${crossed.ref}/edit`).and.include(government.name);
    expect(queue).not.to.include(single.ref);
    expect((await agent(app).get('/review')).status, 'a visitor is sent to sign in').to.equal(302);
  });

  it('when a reviewer links an operator to a product in the editor, then it is stored; an unknown product is refused and nothing changes', async () => {
    const { app } = makeApp();
    const { product, government } = await createEntities();
    const incident = await createIncident({ status: 'draft', productId: product._id, governmentId: government._id });
    const a: Agent = await signedInAs(app, ['reviewer']);
    const edit = (await a.get(`/incidents/${incident.ref}/edit`)).text;
    const token = /name="_csrf" value="([^"]+)"/.exec(edit)![1]!;
    const form = (operated: string) => ({
      _csrf: token, title: 'An incident', summary: 'What happened.', 'dates[from]': '2021-07', 'dates[to]': '', countries: 'MA',
      'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'Journalist A', 'targets[0][consent]': 'no',
      'attributions[0][kind]': 'product', 'attributions[0][product]': String(product._id), 'attributions[0][vendor]': '', 'attributions[0][government]': '', 'attributions[0][agency]': '', 'attributions[0][confidence]': 'high', 'attributions[0][basis]': 'Traces.', 'attributions[0][sources]': '1',
      'attributions[1][kind]': 'government', 'attributions[1][product]': operated, 'attributions[1][vendor]': '', 'attributions[1][government]': String(government._id), 'attributions[1][agency]': '', 'attributions[1][confidence]': 'medium', 'attributions[1][basis]': 'Targeting.', 'attributions[1][sources]': '1',
      'sources[0][kind]': 'forensic-report', 'sources[0][url]': 'https://example.org/report', 'sources[0][title]': 'A forensic report', 'sources[0][publisher]': 'A Lab', 'sources[0][date]': '2021-07-18',
      responses: '', visibility: 'public',
    });
    const refused = await a.post(`/incidents/${incident.ref}`).type('form').send(form(String(new mongoose.Types.ObjectId())));
    expect(refused.status).to.equal(422);
    expect((await Incident.findById(incident._id).lean())!.attributions.find((x) => x.kind === 'government')!.product ?? null).to.equal(null);
    const saved = await a.post(`/incidents/${incident.ref}`).type('form').send(form(String(product._id)));
    expect(saved.status, saved.text.slice(0, 500)).to.equal(302);
    expect(String((await Incident.findById(incident._id).lean())!.attributions.find((x) => x.kind === 'government')!.product)).to.equal(String(product._id));
  });
});
