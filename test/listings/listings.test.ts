import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/model.js';
import { catalogue } from '../../src/catalogue/index.js';
import { FormValidationError } from '../../src/http/validate.js';
import { Incident } from '../../src/incidents/model.js';
import { migrateListings } from '../../src/listings/migrate.js';
import { OfficialAction } from '../../src/listings/model.js';
import { createAction } from '../../src/listings/service.js';
import { seedDemo } from '../../src/seed/demo.js';
import { userActor } from '../../src/audit/index.js';
import { Vendor } from '../../src/vendors/model.js';
import { agent, binary, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { testConfig } from '../helpers/engine.js';
import { createIncident, createUser, signedInAs } from '../helpers/factories.js';
import { follow, Watch } from '../../src/listings/watch.js';
import { notifyWatchNews } from '../../src/listings/watch-notify.js';
import { printRace, race } from '../helpers/race.js';
import { encodeForm } from '../helpers/reports.js';
import { publish } from '../../src/events/index.js';

function resultCount(html: string): number {
  const m = /result-count" role="status">(\d+) verified/.exec(html);
  return m ? Number(m[1]) : -1;
}

/** Rows of the before/after table: action date, before (count and link), after (count and link), spanning. */
function beforeAfterRows(html: string) {
  const table = html.slice(html.indexOf('id="before-after-heading"'));
  return [...table.matchAll(/<span dir="ltr">(\d{4}-\d{2}-\d{2})<\/span><\/th>\s*<td class="num"><a href="\/incidents\?([^"]+)">(\d+)<\/a><\/td>\s*<td class="num"><a href="\/incidents\?([^"]+)">(\d+)<\/a><\/td>\s*<td class="num">(\d+)<\/td>/g)].map((m) => ({
    date: m[1]!, beforeQuery: m[2]!.replace(/&amp;/g, '&'), before: Number(m[3]), afterQuery: m[4]!.replace(/&amp;/g, '&'), after: Number(m[5]), spanning: Number(m[6]),
  }));
}

describe('Official actions, dockets and listing candidates (/listings, /vendors/:slug/docket)', () => {
  afterEach(closeApps);

  describe('on the demonstration data', () => {
    beforeEach(async function () {
      this.timeout(120_000);
      await seedDemo(testConfig());
    });

    it("when a policymaker opens NSO Group's Entity List docket, then the 4 Nov 2021 action, its findings, leads and gaps are stated, in English and Arabic", async () => {
      const { app } = makeApp();
      const res = await agent(app).get('/vendors/nso-group/docket?regime=us-entity-list').set('Accept-Language', 'en');
      expect(res.status).to.equal(200);
      expect(res.text).to.include('Docket: NSO Group');
      expect(res.text).to.include('15 CFR 744.11');
      // The official action, with what it names and the basis it states.
      expect(res.text).to.include('2021-11-04');
      expect(res.text).to.include('Addition of Certain Entities to the Entity List');
      expect(res.text).to.match(/Names:.*NSO Group.*Candiru/s);
      expect(res.text).to.include('maliciously target government officials, journalists');
      // Every verified public Pegasus incident with a finding is cited under "Supply of the tool".
      const pegasus = await Incident.find({ published: true, visibility: 'public', 'attributions.kind': 'product' }, { ref: 1, attributions: 1 }).lean();
      const c = await catalogue();
      const nsoFindings = c.select({ vendorIds: c.entities.vendorFamily(c.entities.bySlug('vendor', 'nso-group')!.id) }).map((e) => e.ref);
      expect(nsoFindings.length).to.be.greaterThan(0);
      const supply = res.text.slice(res.text.indexOf('Supply of the tool'), res.text.indexOf('</div>', res.text.indexOf('Supply of the tool')));
      for (const ref of nsoFindings) expect(supply).to.include(`/incidents/${ref}`);
      expect(pegasus.length).to.be.greaterThan(0);
      // The family: NSO Group covered by the 2021 listing.
      expect(res.text).to.match(/Corporate family[\s\S]*NSO Group[\s\S]*US Entity List <span dir="ltr">2021-11-04<\/span>/);
      // Arabic: the same docket, in Arabic.
      const ar = await agent(app).get('/vendors/nso-group/docket?regime=us-entity-list').set('Accept-Language', 'ar');
      expect(ar.status).to.equal(200);
      expect(ar.text).to.include('ملف الإدراج');
      expect(ar.text).to.include('طوّرت برامج تجسس');
    });

    it('when a criterion rests on old or single-publisher findings, then the docket states the gap; an unknown regime or vendor is refused', async () => {
      const { app } = makeApp();
      const res = await agent(app).get('/vendors/nso-group/docket?regime=eo-14093').set('Accept-Language', 'en');
      expect(res.status).to.equal(200);
      // EO 14093 asks about targets in the United States: one demo incident (2023, one publisher).
      const us = res.text.slice(res.text.indexOf('Targets in the United States'));
      const criterion = us.slice(0, us.indexOf('</div>'));
      expect(criterion).to.include('1 verified incident records targets in the United States.');
      expect(criterion).to.include('No finding after 2023 supports this criterion.');
      expect(criterion).to.include('Every source for this criterion comes from one publisher (Citizen Lab, University of Toronto)');
      expect((await agent(app).get('/vendors/nso-group/docket?regime=mars')).status).to.equal(400);
      expect((await agent(app).get('/vendors/no-such-vendor/docket')).status).to.equal(404);
    });

    it('when a renamed successor of a listed vendor is created, then the candidates page flags it as not covered, with the listing it escapes', async () => {
      const { app } = makeApp();
      const before = await agent(app).get('/listings/candidates.json');
      expect((before.body as { flags: { kind: string }[] }).flags.filter((f) => f.kind === 'successor')).to.deep.equal([]);
      const successor = await Vendor.create({ slug: 'renamed-nso', name: 'Renamed Successor Ltd', hqCountry: 'IL' });
      await Vendor.updateOne({ slug: 'nso-group' }, { $set: { successor: successor._id } });
      await publish({ kind: 'entities-changed' });
      const json = (await agent(app).get('/listings/candidates.json')).body as { flags: { kind: string; regime: string; subject: { slug: string }; listed: { slug: string; action: string } }[] };
      expect(json.flags).to.deep.include.members([{ kind: 'successor', regime: 'us-entity-list', subject: { kind: 'vendor', slug: 'renamed-nso', name: 'Renamed Successor Ltd', nameAr: '' }, listed: { slug: 'nso-group', name: 'NSO Group', nameAr: 'مجموعة NSO', action: 'us-entity-list-2021-11-04', date: '2021-11-04' } }] as never);
      const html = (await agent(app).get('/listings/candidates').set('Accept-Language', 'en')).text;
      expect(html).to.include('Renamed Successor Ltd continued NSO Group after a rename and is not itself listed under US Entity List');
      // Thalestris (Intellexa's Irish company) is on OFAC's list but not on the Entity List: a subsidiary flag.
      expect(json.flags.some((f) => f.kind === 'subsidiary' && f.subject.slug === 'thalestris' && f.regime === 'us-entity-list')).to.equal(true);
      // Once the successor is listed too, the flag goes.
      await createAction(userActor((await createUser({ roles: ['reviewer'] })).user), { slug: 'successor-listing', regime: 'us-entity-list', kind: 'listing', date: new Date('2026-01-01'), citation: 'Rule', url: 'https://example.org/rule', entities: [{ vendor: String(successor._id), asNamed: '' }], basis: '', basisAr: '' });
      const after = (await agent(app).get('/listings/candidates.json')).body as typeof json;
      expect(after.flags.some((f) => f.subject.slug === 'renamed-nso')).to.equal(false);
    });

    it('when the candidates are asked for twice, then the ranking is the same, each score is the printed sum, and each reason is on the page and in the CSV', async () => {
      const { app } = makeApp();
      const one = (await agent(app).get('/listings/candidates.json')).body as { candidates: { rank: number; slug: string; score: number; findings: number; recent: number; high: number; governments: number; categories: string[]; listedElsewhere: string[] }[] };
      const two = (await agent(app).get('/listings/candidates.json')).body as typeof one;
      expect(two.candidates).to.deep.equal(one.candidates);
      expect(one.candidates.length).to.be.greaterThan(0);
      const html = (await agent(app).get('/listings/candidates').set('Accept-Language', 'en')).text;
      const csv = (await agent(app).get('/listings/candidates.csv')).text;
      for (const k of one.candidates) {
        expect(k.score).to.equal(k.findings + k.recent + k.high + 2 * k.governments + k.categories.length);
        expect(html).to.include(`findings ${k.findings} + recent ${k.recent} + high or confirmed ${k.high} + 2 × operator governments ${k.governments} + target categories ${k.categories.length} = ${k.score}`);
        expect(csv).to.include(`candidate,${k.rank},${k.slug},`);
      }
      // Ranked by score, then findings, then slug; no listed vendor among them.
      const sorted = [...one.candidates].sort((a, b) => b.score - a.score || b.findings - a.findings || a.slug.localeCompare(b.slug));
      expect(one.candidates.map((k) => k.slug)).to.deep.equal(sorted.map((k) => k.slug));
      expect(one.candidates.map((k) => k.slug)).to.not.include.members(['nso-group', 'candiru', 'intellexa', 'cytrox', 'thalestris']);
      // Filtered by regime: Thalestris is not on the Entity List; if it has findings it may rank, and it says where it is listed.
      const byRegime = (await agent(app).get('/listings/candidates.json?regime=us-entity-list')).body as typeof one;
      for (const k of byRegime.candidates.filter((x) => x.slug === 'thalestris')) expect(k.listedElsewhere).to.deep.equal(['us-ofac-sdn']);
      expect((await agent(app).get('/listings/candidates?regime=nowhere')).status).to.equal(400);
    });

    it("when a listed vendor's profile counts findings before and after each action, then the counts equal the incident list filtered by the same dates", async () => {
      const { app } = makeApp();
      for (const slug of ['nso-group', 'intellexa']) {
        const html = (await agent(app).get(`/vendors/${slug}`).set('Accept-Language', 'en')).text;
        expect(html).to.include('Reporting lags discovery');
        const rows = beforeAfterRows(html);
        expect(rows.length, slug).to.be.greaterThan(0);
        const all = resultCount((await agent(app).get(`/incidents?vendor=${slug}`).set('Accept-Language', 'en')).text);
        for (const r of rows) {
          expect(resultCount((await agent(app).get(`/incidents?${r.beforeQuery}`).set('Accept-Language', 'en')).text)).to.equal(r.before);
          expect(resultCount((await agent(app).get(`/incidents?${r.afterQuery}`).set('Accept-Language', 'en')).text)).to.equal(r.after);
          expect(r.before + r.after + r.spanning).to.equal(all);
        }
      }
      // The per-year chart marks the years of the actions.
      const svg = ((await binary(agent(app), '/charts/vendor/nso-group/years.svg')).body as Buffer).toString('utf8');
      expect(svg).to.include('2021: Entity List');
    });
  });

  it('when a reviewer enters an official action through the form, then it is stored, audited and sets the status of every company it names; bad input changes nothing', async () => {
    const { app } = makeApp();
    const a = await signedInAs(app, ['reviewer']);
    const one = await Vendor.create({ slug: 'one-co', name: 'One Co' });
    const two = await Vendor.create({ slug: 'two-co', name: 'Two Co' });
    await publish({ kind: 'entities-changed' });
    const form = {
      slug: 'eu-measure-2025', regime: 'eu-dual-use', kind: 'listing', date: '2025-02-03', citation: 'Council measure 2025/1', url: 'https://example.org/measure',
      'entities[0][vendor]': String(one._id), 'entities[0][asNamed]': 'One Co Ltd (Cyprus)', 'entities[1][vendor]': String(two._id), 'entities[1][asNamed]': '',
      basis: 'Supply of intrusion software used against journalists.', basisAr: '',
    };
    const bad = [
      [{ 'entities[0][vendor]': '', 'entities[0][asNamed]': '', 'entities[1][vendor]': '' }, 'Name at least one company.'],
      [{ 'entities[1][vendor]': String(one._id) }, 'This company is named twice.'],
      [{ url: 'javascript:alert(1)' }, 'f-url-error'],
      [{ date: '2025-02-30' }, 'f-date-error'],
      [{ regime: 'mars' }, 'f-regime-error'],
    ] as const;
    for (const [change, message] of bad) {
      const res = await a.post('/admin/actions').type('form').send(encodeForm({ _csrf: await csrfFrom(a, '/admin/actions/new'), ...form, ...change }));
      expect(res.status, JSON.stringify(change)).to.equal(422);
      expect(res.text).to.include(message);
    }
    expect(await OfficialAction.countDocuments()).to.equal(0);
    const res = await a.post('/admin/actions').type('form').send(encodeForm({ _csrf: await csrfFrom(a, '/admin/actions/new'), ...form }));
    expect(res.status).to.equal(302);
    const stored = (await OfficialAction.findOne({ slug: 'eu-measure-2025' }).lean())!;
    expect(stored.entities.map((e) => e.asNamed)).to.deep.equal(['One Co Ltd (Cyprus)', '']);
    const event = (await AuditEvent.findOne({ action: 'official-action.created' }).lean())!;
    expect(event.subject).to.deep.include({ type: 'official-action', id: String(stored._id) });
    const profile = (await agent(app).get('/vendors/two-co').set('Accept-Language', 'en')).text;
    expect(profile).to.include('EU dual-use (2021/821)');
    expect(profile).to.include('Council measure 2025/1');
    // A removal later on takes the company off: the status follows the latest action.
    const removal = { ...form, slug: 'eu-removal-2026', kind: 'removal', date: '2026-03-01', 'entities[1][vendor]': '' };
    expect((await a.post('/admin/actions').type('form').send(encodeForm({ _csrf: await csrfFrom(a, '/admin/actions/new'), ...removal }))).status).to.equal(302);
    const c = await catalogue();
    expect(c.entities.listingsOf(String(one._id)).map((l) => [l.regime, l.status])).to.deep.equal([['eu-dual-use', 'removed']]);
    expect(c.entities.listingsOf(String(two._id)).map((l) => [l.regime, l.status])).to.deep.equal([['eu-dual-use', 'listed']]);
    // Not for anonymous visitors or researchers.
    expect((await agent(app).get('/admin/actions/new')).status).to.be.oneOf([302, 403]);
    const researcher = await signedInAs(app, ['researcher']);
    expect((await researcher.get('/admin/actions/new')).status).to.equal(403);
  });

  it('when 50 reviewers enter the same action at once, then exactly one is stored (the unique slug decides) and the others are told it exists', async () => {
    const vendor = await Vendor.create({ slug: 'raced', name: 'Raced Co' });
    const actor = userActor((await createUser({ roles: ['reviewer'] })).user);
    const input = { slug: 'raced-listing', regime: 'us-entity-list' as const, kind: 'listing' as const, date: new Date('2024-01-01'), citation: 'Rule', url: 'https://example.org/r', entities: [{ vendor: String(vendor._id), asNamed: '' }], basis: '', basisAr: '' };
    const results = await race(50, () => Promise.resolve(input), async (i) => createAction(actor, i).then(() => 'stored', (err: unknown) => (err instanceof FormValidationError ? err.fieldErrors.slug : String(err))));
    printRace('official action, same slug', 50, [results.filter((r) => r === 'stored').length]);
    expect(results.filter((r) => r === 'stored')).to.have.length(1);
    expect(results.filter((r) => r === 'validation.slugTaken')).to.have.length(49);
    expect(await OfficialAction.countDocuments({ slug: 'raced-listing' })).to.equal(1);
  });

  it('when a database from an earlier version keeps listings inside vendor records, then they become one action per document naming every vendor, once', async () => {
    const [a, b] = await Vendor.create([{ slug: 'old-a', name: 'Old A' }, { slug: 'old-b', name: 'Old B' }]);
    const listing = { regime: 'us-entity-list', status: 'listed', date: new Date('2021-11-04T00:00:00Z'), citation: 'Same rule', url: 'https://example.org/same' };
    await Vendor.collection.updateMany({ _id: { $in: [a!._id, b!._id] } }, { $set: { listings: [listing] } });
    const [first, second] = await Promise.all([migrateListings(), migrateListings()]);
    expect(first.actions + second.actions).to.equal(1);
    expect(await OfficialAction.countDocuments()).to.equal(1);
    const action = (await OfficialAction.findOne({}).lean())!;
    expect(action.entities.map((e) => String(e.vendor)).sort()).to.deep.equal([String(a!._id), String(b!._id)].sort());
    expect(await Vendor.collection.countDocuments({ 'listings.0': { $exists: true } })).to.equal(0);
    expect((await migrateListings()).actions).to.equal(0);
    const c = await catalogue();
    expect(c.entities.listingsOf(String(b!._id))[0]).to.deep.include({ regime: 'us-entity-list', status: 'listed', date: '2021-11-04' });
    expect(await AuditEvent.countDocuments({ action: 'listings.migrated' })).to.be.at.least(1);
  });

  it('when a policymaker follows "Build a dossier for this docket", then the builder is prefilled with the vendor, the framing and the official audience', async () => {
    const { app } = makeApp();
    await Vendor.create({ slug: 'docketed', name: 'Docketed Co' });
    await publish({ kind: 'entities-changed' });
    const p = await signedInAs(app, ['policymaker']);
    const docket = (await p.get('/vendors/docketed/docket?regime=eu-2021-821-art5').set('Accept-Language', 'en')).text;
    expect(docket).to.include('href="/dossiers?vendor=docketed&amp;framing=eu-2021-821-art5&amp;audience=official"');
    const builder = (await p.get('/dossiers?vendor=docketed&framing=eu-2021-821-art5&audience=official').set('Accept-Language', 'en')).text;
    expect(builder).to.match(/<option value="eu-2021-821-art5"\s+selected/);
    expect(builder).to.match(/name="audience" value="official"\s+checked/);
    // A vendor with no verified incident: each criterion says so rather than print nothing.
    expect(docket.match(/No verified finding supports this criterion\./g)).to.have.length(4);
    // Anonymous visitors see the docket without the dossier button.
    expect((await agent(app).get('/vendors/docketed/docket').set('Accept-Language', 'en')).text).to.not.include('Build a dossier for this docket');
  });

  it('when a policymaker follows a vendor, then new findings and official actions naming it appear under Following until marked as seen; following twice stores one', async () => {
    const { app } = makeApp();
    const vendor = await Vendor.create({ slug: 'followed-co', name: 'Followed Co' });
    await publish({ kind: 'entities-changed' });
    const p = await signedInAs(app, ['policymaker']);
    const page = await p.get('/vendors/followed-co').set('Accept-Language', 'en');
    expect(page.text).to.include('Follow this vendor');
    for (let i = 0; i < 2; i++) {
      const res = await p.post('/watching').type('form').send({ _csrf: await csrfFrom(p, '/vendors/followed-co'), kind: 'vendor', key: 'followed-co' });
      expect(res.status).to.equal(303);
    }
    expect(await Watch.countDocuments({})).to.equal(1);
    expect(await AuditEvent.countDocuments({ action: 'watch.followed' })).to.equal(1);
    expect((await p.get('/watching').set('Accept-Language', 'en')).text).to.include('Nothing new');
    // Something happens: a new verified incident names it in a finding, and an official action names it.
    const incident = await createIncident({ status: 'verified', title: 'Fresh finding about Followed Co', vendorId: vendor._id });
    await createAction(userActor((await createUser({ roles: ['reviewer'] })).user), { slug: 'followed-listing', regime: 'uk-sanctions', kind: 'listing', date: new Date('2026-06-01'), citation: 'UK designation', url: 'https://example.org/uk', entities: [{ vendor: String(vendor._id), asNamed: '' }], basis: '', basisAr: '' });
    const news = (await p.get('/watching').set('Accept-Language', 'en')).text;
    expect(news).to.include('2 new items');
    expect(news).to.include('Fresh finding about Followed Co');
    expect(news).to.include(`/incidents/${incident.ref}`);
    expect(news).to.include('UK sanctions · Listing 2026-06-01');
    // The notifier tells the follower once (inbox; by mail when configured), not again for the same news.
    expect(await notifyWatchNews()).to.equal(1);
    expect(await notifyWatchNews()).to.equal(0);
    expect((await p.get('/notifications').set('Accept-Language', 'en')).text).to.include('New on what you follow (vendor:followed-co)');
    const watchId = (await Watch.findOne({}).lean())!._id;
    expect((await p.post(`/watching/${encodeURIComponent(watchId)}/seen`).type('form').send({ _csrf: await csrfFrom(p, '/watching') })).status).to.equal(303);
    expect((await p.get('/watching').set('Accept-Language', 'en')).text).to.include('Nothing new');
    // Arabic page.
    expect((await p.get('/watching').set('Accept-Language', 'ar')).text).to.include('لا جديد');
    // Someone else cannot stop it; a researcher cannot follow; the owner can.
    const other = await signedInAs(app, ['policymaker']);
    expect((await other.post(`/watching/${encodeURIComponent(watchId)}/delete`).type('form').send({ _csrf: await csrfFrom(other, '/watching') })).status).to.equal(404);
    const researcher = await signedInAs(app, ['researcher']);
    expect((await researcher.get('/watching')).status).to.equal(403);
    expect((await p.post('/watching').type('form').send({ _csrf: await csrfFrom(p, '/watching'), kind: 'vendor', key: 'no-such-vendor' })).status).to.equal(400);
    expect((await p.post(`/watching/${encodeURIComponent(watchId)}/delete`).type('form').send({ _csrf: await csrfFrom(p, '/watching') })).status).to.equal(303);
    expect(await Watch.countDocuments({})).to.equal(0);
  });

  it('when one account follows the candidates list 50 times at once, then one follow is stored (the _id decides)', async () => {
    const user = await createUser({ roles: ['policymaker'] });
    const c = await catalogue();
    const results = await race(50, () => Promise.resolve(null), () => follow(c, user.user.id, 'candidates', ''));
    printRace('follow, same account and target', 50, [results.filter((r) => r === 'followed').length]);
    expect(results.filter((r) => r === 'followed')).to.have.length(1);
    expect(results.filter((r) => r === 'already')).to.have.length(49);
    expect(await Watch.countDocuments({})).to.equal(1);
  });
});

describe('CSV import of official actions (/admin/actions/import)', () => {
  afterEach(closeApps);

  async function upload(a: Awaited<ReturnType<typeof signedInAs>>, csv: string) {
    const token = await csrfFrom(a, '/admin/actions/import');
    const res = await a.post(`/admin/actions/import?_csrf=${encodeURIComponent(token)}`).set('Sec-Fetch-Site', 'same-origin').set('Accept-Language', 'en').attach('files', Buffer.from(csv), 'actions.csv');
    return res.status === 303 ? a.get(String(res.headers.location)).set('Accept-Language', 'en') : res;
  }

  it('when a reviewer imports actions (English or Arabic headers), then each is stored and sets the listings of the companies it names; any bad row refuses the whole file by line and column', async () => {
    const { app } = makeApp();
    const [one, two] = await Vendor.create([{ slug: 'csv-one', name: 'CSV One' }, { slug: 'csv-two', name: 'CSV Two' }]);
    await publish({ kind: 'entities-changed' });
    const a = await signedInAs(app, ['reviewer']);
    const good = 'slug,regime,kind,date,citation,url,companies,as_named,basis\ncsv-eu-1,eu-sanctions,listing,2024-05-01,Council decision 1,https://example.org/1,csv-one;csv-two,One Ltd;Two SA,Supply of spyware\n';
    const bad = `${good}csv-eu-1,eu-sanctions,listing,2024-02-30,Council decision 2,ftp://x,no-such-co,,\n`;
    const refused = await upload(a, bad);
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include('No such record: &#34;no-such-co&#34;');
    expect(refused.text).to.match(/<td>3<\/td><td><code dir="auto">date<\/code>/);
    expect(refused.text).to.match(/<td>3<\/td><td><code dir="auto">url<\/code>/);
    expect(await OfficialAction.countDocuments()).to.equal(0);
    const arabic = 'المعرّف,النظام,النوع,التاريخ,المرجع,الرابط,الشركات\ncsv-uk-1,uk-sanctions,listing,2025-01-02,UK designation,https://example.org/uk,csv-two\n';
    for (const csv of [good, arabic]) {
      const res = await upload(a, csv);
      expect(res.status).to.equal(200);
      expect(res.text).to.include('official action imported');
    }
    const c = await catalogue();
    expect(c.entities.listingsOf(String(one!._id)).map((l) => l.regime)).to.deep.equal(['eu-sanctions']);
    expect(c.entities.listingsOf(String(two!._id)).map((l) => l.regime).sort()).to.deep.equal(['eu-sanctions', 'uk-sanctions']);
    expect((await OfficialAction.findOne({ slug: 'csv-eu-1' }).lean())!.entities.map((e) => e.asNamed)).to.deep.equal(['One Ltd', 'Two SA']);
    // The same file again: its slug is taken, nothing changes.
    const again = await upload(a, good);
    expect(again.status).to.equal(422);
    expect(again.text).to.include('This address is already used');
    expect(await OfficialAction.countDocuments()).to.equal(2);
    expect(await AuditEvent.countDocuments({ action: 'official-actions.imported' })).to.equal(2);
  });
});
