import { expect } from 'chai';
import { stringify } from 'csv-stringify/sync';
import { AuditEvent } from '../../src/audit/index.js';
import { ImportedRow, Incident } from '../../src/incidents/model.js';
import { IMPORT_COLUMNS } from '../../src/incidents/csv-import.js';
import { resetCatalogue } from '../../src/catalogue/index.js';
import { ImportJob } from '../../src/http/import-job.js';
import { User } from '../../src/auth/model.js';
import { agent, binary, closeApps, csrfFrom, makeApp, type Agent } from '../helpers/app.js';
import { createEntities, createUser, signIn, signedInAs } from '../helpers/factories.js';

const reviewer = (app: Parameters<typeof agent>[0]) => signedInAs(app, ['reviewer']);

async function upload(a: Agent, csv: string | Buffer) {
  const token = await csrfFrom(a, '/review/import');
  const res = await a.post(`/review/import?_csrf=${encodeURIComponent(token)}`).set('Sec-Fetch-Site', 'same-origin').attach('files', Buffer.isBuffer(csv) ? csv : Buffer.from(csv), 'incidents.csv');
  // An import that went through leads to its result page (Post/Redirect/Get), as the browser follows.
  return res.status === 303 ? a.get(String(res.headers.location)) : res;
}

const header = (lng: 'en' | 'ar', keys: string[]) => keys.map((k) => (lng === 'ar' ? IMPORT_COLUMNS.find((c) => c.key === k)!.ar : k));

describe('CSV import of incidents', () => {
  afterEach(closeApps);

  it('when a reviewer imports rows (English or Arabic headers), then each becomes a draft incident — never verified or published — with its attributions resolved', async () => {
    const { app } = makeApp();
    const { product, government } = await createEntities();
    const a = await reviewer(app);
    const keys = ['title', 'summary', 'date_from', 'countries', 'target_categories', 'target_pseudonyms', 'products', 'governments', 'confidence', 'basis', 'source_title', 'source_url', 'visibility'];
    const rowEn = ['Imported one', 'Phone infected.', '2023-05', 'EG', 'journalist', 'Journalist Q', product.slug, government.slug, 'medium', 'Infrastructure overlap.', 'A report', 'https://example.org/r', 'public'];
    const rowAr = ['حادثة مستوردة', 'أُصيب الهاتف.', '2022', 'MA; EG', 'activist', '', '', '', '', '', 'تقرير', '', ''];
    for (const [lng, row] of [['en', rowEn], ['ar', rowAr]] as const) {
      const res = await upload(a, `\uFEFF${stringify([header(lng, keys), row])}`);
      expect(res.status, res.text.slice(0, 500)).to.equal(200);
      expect(res.text).to.match(/1 draft incident created|أُنشئت مسودة حادثة واحدة/);
    }
    const imported = await Incident.find({}).sort({ refSeq: 1 }).lean();
    expect(imported.map((i) => [i.title, i.verification!.status, i.published, i.visibility])).to.deep.equal([
      ['Imported one', 'draft', false, 'public'],
      ['حادثة مستوردة', 'draft', false, 'restricted'],
    ]);
    expect(imported[0]!.attributions.map((x) => [x.kind, x.confidence])).to.deep.equal([['product', 'medium'], ['government', 'medium']]);
    expect(imported[0]!.vendorIds.map(String)).to.deep.equal([String(product.vendor)]);
    expect(imported[1]!.countries).to.deep.equal(['MA', 'EG']);
    expect(await AuditEvent.countDocuments({ action: 'incidents.imported' })).to.equal(2);
    expect((await agent(app).get('/incidents')).text).not.to.contain('Imported one');
  });

  it('when a row links an operator to what it operated (government:product or government:vendor), then the claim links that and nothing else; an unknown one is refused and nothing is stored', async () => {
    const { app } = makeApp();
    const one = await createEntities();
    const two = await createEntities();
    const a = await reviewer(app);
    const keys = ['title', 'summary', 'date_from', 'countries', 'products', 'governments', 'confidence', 'basis', 'source_title'];
    // Two products, two operators, each linked to one product, and a third operator linked to nothing.
    const third = await createEntities();
    const row = ['Doubly infected', 'Two spyware products.', '2021', 'EG', `${one.product.slug}; ${two.product.slug}`, `${one.government.slug}:${one.product.slug}; ${two.government.slug}:${two.vendor.slug}; ${third.government.slug}`, 'high', 'Forensic traces.', 'Report'];
    const refused = await upload(a, stringify([keys, [...row.slice(0, 5), `${one.government.slug}:no-such-thing`, ...row.slice(6)]]));
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain('No such record: &#34;no-such-thing&#34;');
    expect(await Incident.countDocuments({})).to.equal(0);
    const res = await upload(a, stringify([keys, row]));
    expect(res.status, res.text.slice(0, 400)).to.equal(200);
    const stored = (await Incident.findOne({}).lean())!.attributions.filter((x) => x.kind === 'government');
    expect(stored.map((x) => [String(x.government), x.product ? String(x.product) : null, x.vendor ? String(x.vendor) : null])).to.deep.equal([
      [String(one.government._id), String(one.product._id), null],
      [String(two.government._id), null, String(two.vendor._id)],
      [String(third.government._id), null, null],
    ]);
  });

  it('when the same rows are imported again (same file, or under Arabic headers, or twice in one file), then no row is made twice: each row shows its import key and the incident it made; 50 imports of one file at once make each row once', async () => {
    const { app } = makeApp();
    const a = await reviewer(app);
    const keys = ['title', 'summary', 'date_from', 'countries', 'target_categories', 'source_title'];
    const rows = [['Row one', 'First.', '2023-05', 'EG', 'journalist', 'A report'], ['Row two', 'Second.', '2022', 'MA', 'activist', 'A report']];
    const file = stringify([header('en', keys), ...rows]);
    const first = await upload(a, file);
    expect(first.text).to.contain('2 draft incidents created');
    const refs = (await Incident.find({}).sort({ refSeq: 1 }).lean()).map((i) => i.ref);
    expect(refs).to.have.length(2);
    const again = await upload(a, file);
    expect(again.status).to.equal(200);
    expect(again.text).to.contain('2 rows were imported before (same import key) and were not imported again.');
    for (const ref of refs) expect(again.text).to.contain(`href="/incidents/${ref}"`);
    expect(again.text).to.match(/<code title="[0-9a-f]{64}">[0-9a-f]{12}<\/code>/);
    // The same rows under Arabic headers, with one new row and one row given twice.
    const arabic = await upload(a, stringify([header('ar', keys), ...rows, ['Row three', 'Third.', '2021', 'SA', 'lawyer', 'A report'], ['Row three', 'Third.', '2021', 'SA', 'lawyer', 'A report']]));
    expect(arabic.text).to.contain('3 rows were imported before');
    expect(await Incident.countDocuments({})).to.equal(3);
    // 50 imports of a new file at once: each row once.
    const raced = stringify([header('en', keys), ['Raced row', 'Once.', '2020', 'EG', 'journalist', 'A report']]);
    const agents = await Promise.all(Array.from({ length: 5 }, () => reviewer(app)));
    const tokens = await Promise.all(agents.map((x) => csrfFrom(x, '/review/import')));
    await Promise.all(Array.from({ length: 50 }, (_, i) => agents[i % 5]!.post(`/review/import?_csrf=${encodeURIComponent(tokens[i % 5]!)}`).set('Sec-Fetch-Site', 'same-origin').attach('files', Buffer.from(raced), 'raced.csv')));
    expect(await Incident.countDocuments({ title: 'Raced row' })).to.equal(1);
  });

  it('when an earlier import stopped between claiming its rows and writing them (a crash), then ten minutes on the rows can be imported; a fresh claim of an import still running is respected', async () => {
    const { app } = makeApp();
    const a = await reviewer(app);
    const keys = ['title', 'summary', 'date_from', 'countries', 'target_categories', 'source_title'];
    const file = stringify([header('en', keys), ['Crashed row', 'Left behind.', '2023-05', 'EG', 'journalist', 'A report']]);
    expect((await upload(a, file)).text).to.contain('1 draft incident created');
    const made = (await Incident.findOne({ title: 'Crashed row' }).lean())!;
    // As a crash would leave it: the claim, no incident (and, after the restart, a catalogue read
    // without it). A fresh claim holds; an old one is taken over.
    await Incident.deleteOne({ _id: made._id });
    resetCatalogue();
    expect((await upload(a, file)).text).to.contain('1 row was imported before');
    expect(await Incident.countDocuments({ title: 'Crashed row' })).to.equal(0);
    await ImportedRow.updateMany({}, { $set: { at: new Date(Date.now() - 11 * 60_000) } });
    expect((await upload(a, file)).text).to.contain('1 draft incident created');
    expect(await Incident.countDocuments({ title: 'Crashed row' })).to.equal(1);
  });

  it('when a large file is uploaded, then it runs as a job: the upload answers with the job page, which shows progress (reloading itself, no script) and then every row made; only the reviewer who started it sees it', async () => {
    const { app } = makeApp();
    const a = await reviewer(app);
    const keys = ['title', 'summary', 'date_from', 'countries', 'target_categories', 'source_title'];
    const count = 1_200;
    const rows = Array.from({ length: count }, (_, i) => [`Bulk row ${i + 1}`, 'From a large file.', '2021', 'EG', 'journalist', 'A report']);
    const token = await csrfFrom(a, '/review/import');
    const posted = await a.post(`/review/import?_csrf=${encodeURIComponent(token)}`).set('Sec-Fetch-Site', 'same-origin').attach('files', Buffer.from(stringify([keys, ...rows])), 'large.csv');
    expect(posted.status).to.equal(303);
    const jobPage = String(posted.headers.location);
    expect(jobPage).to.match(/^\/review\/import\/jobs\/[A-Za-z0-9_-]{22}$/);
    let page = await a.get(`${jobPage}?follow=1`);
    for (let i = 0; i < 240 && page.text.includes('<progress'); i++) {
      // While it runs: rows written of rows read; followed, the page reloads itself (a meta refresh, no script).
      expect(page.text).to.contain('http-equiv="refresh"');
      expect(page.text).to.match(/\d+ of (…|1200) rows written/);
      await new Promise((resolve) => setTimeout(resolve, 250));
      page = await a.get(`${jobPage}?follow=1`);
    }
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('1200 draft incidents created');
    expect(page.text).not.to.contain('http-equiv="refresh"');
    expect((page.text.match(/<tr><td class="num">/g) ?? []).length).to.equal(count);
    expect(await Incident.countDocuments({})).to.equal(count);
    // Another reviewer, and the same reviewer on another import's page, get nothing.
    const other = await reviewer(app);
    expect((await other.get(jobPage)).status).to.equal(404);
    expect((await a.get(jobPage.replace('/review/import', '/admin/actions/import'))).status).to.be.oneOf([403, 404]);
  });

  it('when a job is still running or stopped with the server, then its page says so in the reader\'s language: rows written of rows read, or that uploading the file again makes only the rest', async () => {
    const { app } = makeApp();
    const a = await reviewer(app);
    const me = await User.findOne({}).sort({ _id: -1 }).lean();
    const now = new Date();
    await ImportJob.create({ _id: 'r'.repeat(22), path: '/review/import', actor: String(me!._id), status: 'running', total: 1000, written: 250, startedAt: now, heartbeat: now });
    await ImportJob.create({ _id: 's'.repeat(22), path: '/review/import', actor: String(me!._id), status: 'running', total: 1000, written: 500, startedAt: now, heartbeat: new Date(now.getTime() - 5 * 60_000) });
    const running = await a.get(`/review/import/jobs/${'r'.repeat(22)}`);
    expect(running.text).to.contain('250 of 1000 rows written');
    expect(running.text).to.contain('<progress id="import-progress" max="1000" value="250">');
    // It reloads itself only when the reader asks (a page changing under a screen reader is not a default).
    expect(running.text).not.to.contain('http-equiv="refresh"');
    expect(running.text).to.contain(`href="/review/import/jobs/${'r'.repeat(22)}?follow=1"`);
    expect((await a.get(`/review/import/jobs/${'r'.repeat(22)}?follow=1`)).text).to.contain('<meta http-equiv="refresh" content="5">');
    expect((await a.get(`/review/import/jobs/${'r'.repeat(22)}?follow=yes`)).status).to.equal(400);
    const arabic = await a.get(`/review/import/jobs/${'r'.repeat(22)}?lng=ar`);
    expect(arabic.text).to.contain('كُتب 250 من 1000 صفًّا');
    const stopped = await a.get(`/review/import/jobs/${'s'.repeat(22)}?lng=en`);
    expect(stopped.text).to.contain('stopped before it finished');
    expect(stopped.text).to.contain('500 of 1000 rows had been written');
    expect(stopped.text).not.to.contain('http-equiv="refresh"');
  });

  it('when a fixed-list value is given in Arabic (with or without diacritics and shadda) it is read; when it is none of the values, the message says which are allowed', async () => {
    const { app } = makeApp();
    const a = await reviewer(app);
    const keys = ['title', 'summary', 'date_from', 'countries', 'target_categories', 'source_title', 'source_kind', 'visibility'];
    const ok = await upload(a, stringify([header('ar', keys), ['حادثة', 'ملخص.', '2023', 'EG', 'صَحَفِيّ; ناشط', 'تقرير', 'تقرير جنائي', 'مقيدة']]));
    expect(ok.status, ok.text.slice(0, 300)).to.equal(200);
    const stored = (await Incident.findOne({ title: 'حادثة' }).lean())!;
    expect(stored.targets.map((t) => t.category)).to.deep.equal(['journalist', 'activist']);
    expect(stored.sources[0]!.kind).to.equal('forensic-report');
    expect(stored.visibility).to.equal('restricted');
    const bad = await upload(a, stringify([header('en', [...keys, 'confidence', 'products']), ['T', 'S.', '2023', 'EG', 'journalist', 'R', 'other', 'public', 'certain', '']]));
    expect(bad.status).to.equal(422);
    expect(bad.text).to.contain('“certain” is not one of: confirmed, high, medium, low');
    expect(await Incident.countDocuments({ title: 'T' })).to.equal(0);
  });

  it('when any row is wrong, then nothing is imported and every error is listed by line and column', async () => {
    const { app } = makeApp();
    await createEntities();
    const a = await reviewer(app);
    const keys = ['title', 'summary', 'date_from', 'countries', 'products', 'source_title'];
    const csv = stringify([
      keys,
      ['Good row', 'Fine.', '2021', 'EG', '', 'Src'],
      ['', 'No title.', '2021-13', 'XX', 'no-such-product', 'Src'],
      ['=cmd|x', 'Formula-looking title is kept as text.', '2020', 'MA', '', ''],
    ]);
    const res = await upload(a, csv);
    expect(res.status).to.equal(422);
    expect(res.text).to.contain('Nothing was imported');
    const rows = [...res.text.matchAll(/<tr><td>(\d+)<\/td><td><code dir="auto">([^<]*)<\/code><\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(rows).to.include.members(['3:title', '3:date_from', '3:countries', '3:products', '4:source_title']);
    expect(res.text).to.contain('No such record: &#34;no-such-product&#34;');
    expect(await Incident.countDocuments({})).to.equal(0);
  });

  it('when the header is wrong or the file is not CSV, then 422 with the reason and nothing stored; a researcher cannot import', async () => {
    const { app } = makeApp();
    const a = await reviewer(app);
    const unknown = await upload(a, 'title,summary,colour\nA,B,C\n');
    expect(unknown.status).to.equal(422);
    expect(unknown.text).to.contain('Unknown column.').and.contain('Required column missing.');
    const broken = await upload(a, 'title,summary\n"unclosed,quote\n');
    expect(broken.status).to.equal(422);
    expect(await Incident.countDocuments({})).to.equal(0);
    const template = await binary(a, '/review/import/template.csv?lang=ar');
    expect((template.body as Buffer).toString('utf8')).to.contain('العنوان,الملخص');
    const researcher = agent(app);
    await signIn(researcher, await createUser({ roles: ['researcher'] }));
    expect((await researcher.get('/review/import')).status).to.equal(403);
  });

  it('when the file is Latin-1, UTF-16 or holds a control character, then it is refused naming the encoding problem and the line; a ";"-separated file (Excel in many locales) is read like a ","-separated one', async () => {
    const { app } = makeApp();
    const a = await reviewer(app);
    const keys = ['title', 'summary', 'date_from', 'countries', 'source_title'];
    const rows = [keys, ['Caf\u00e9 journalist targeted', 'R\u00e9sum\u00e9 with accents.', '2021', 'EG;MA', 'Src'], ['Second', 'Plain.', '2022', 'MA', 'Src']];
    // Latin-1 (an older Excel "CSV"): the accented byte on line 2 is not UTF-8.
    const latin1 = await upload(a, Buffer.from(stringify(rows), 'latin1'));
    expect(latin1.status).to.equal(422);
    expect(latin1.text).to.contain('looks like Latin-1 or Windows-1252');
    expect(latin1.text).to.match(/<tr><td>2<\/td>/);
    const utf16 = await upload(a, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(stringify(rows), 'utf16le')]));
    expect(utf16.status).to.equal(422);
    expect(utf16.text).to.contain('The file is UTF-16');
    const control = await upload(a, stringify([keys, ['Fine', 'Fine.', '2021', 'EG', 'Src'], ['Bell\u0007 here', 'x', '2021', 'EG', 'Src']]));
    expect(control.status).to.equal(422);
    expect(control.text).to.contain('A control character (U+0007)');
    expect(control.text).to.match(/<tr><td>3<\/td>/);
    const arabic = await a.get('/review/import?lng=ar');
    expect(arabic.status).to.equal(200);
    expect(await Incident.countDocuments({})).to.equal(0);

    // Semicolons, as Excel writes CSV where "," is the decimal separator; a multi-value cell quoted.
    const semicolons = await upload(a, `\uFEFF${stringify(rows, { delimiter: ';' })}`);
    expect(semicolons.status, semicolons.text.slice(0, 500)).to.equal(200);
    const stored = await Incident.find({}).sort({ title: 1 }).lean();
    expect(stored.map((i) => i.title)).to.deep.equal(['Caf\u00e9 journalist targeted', 'Second']);
    expect(stored[0]!.countries).to.deep.equal(['EG', 'MA']);
  });
});
