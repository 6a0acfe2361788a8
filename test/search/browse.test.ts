import { expect } from 'chai';
import { acrossPages, agent, closeApps, makeApp } from '../helpers/app.js';
import { createIncident } from '../helpers/factories.js';
import { Vendor } from '../../src/vendors/model.js';
import { OfficialAction } from '../../src/listings/model.js';
import { Product } from '../../src/products/model.js';
import { Government } from '../../src/governments/model.js';
import { Incident } from '../../src/incidents/model.js';
import { publish } from '../../src/events/index.js';

function count(html: string): number {
  const m = /result-count" role="status">(\d+) verified incident/.exec(html);
  return m ? Number(m[1]) : -1;
}

async function world() {
  const nso = await Vendor.create({ slug: 'nso-group', name: 'NSO Group', nameAr: 'مجموعة إن إس أو' });
  await OfficialAction.create({ slug: 'rule', regime: 'us-entity-list', kind: 'listing', citation: 'rule', entities: [{ vendor: nso._id }] });
  const quiet = await Vendor.create({ slug: 'quiet-vendor', name: 'Quiet Vendor' });
  const pegasus = await Product.create({ slug: 'pegasus', name: 'Pegasus', nameAr: 'بيغاسوس', aliases: ['بيجاسوس'], vendor: nso._id, category: 'spyware' });
  const other = await Product.create({ slug: 'other-tool', name: 'Other Tool', vendor: quiet._id, category: 'spyware' });
  const morocco = await Government.create({ slug: 'morocco', country: 'MA', name: 'Government of Morocco', nameAr: 'الحكومة المغربية' });
  await publish({ kind: 'entities-changed' });
  const made = [];
  for (let i = 0; i < 3; i++) made.push(await createIncident({ status: 'verified', title: `Pegasus case ${i}`, productId: pegasus._id, vendorId: nso._id, governmentId: morocco._id, extra: { countries: i === 0 ? ['MA', 'FR'] : ['MA'], year: 2020 + i, 'dates.from': { y: 2020 + i } } }));
  made.push(await createIncident({ status: 'verified', title: 'Other case', productId: other._id, vendorId: quiet._id, extra: { countries: ['EG'], targets: [{ category: 'activist', pseudonym: 'A', consentToPublish: false }] } }));
  return { nso, quiet, pegasus, other, morocco, made };
}

describe('GET /incidents (browse and search)', () => {
  afterEach(closeApps);

  it('when searching Pegasus in Arabic, English, accents, an alias or with the article, then the Pegasus incidents are found and no other', async () => {
    const { app } = makeApp();
    await world();
    for (const q of ['بيغاسوس', 'بِيغَاسُوس', 'pegasus', 'PÉGASUS', 'بيجاسوس', 'البيغاسوس', 'nso', 'إن إس أو', 'المغربية']) {
      const res = await agent(app).get(`/incidents?q=${encodeURIComponent(q)}`);
      expect(count(res.text), q).to.equal(3);
      expect(res.text).not.to.include('Other case');
    }
    expect(count((await agent(app).get('/incidents?q=nothing-like-this')).text)).to.equal(0);
  });

  it('when a facet value is followed, then the result count equals the facet count (for every facet shown)', async () => {
    const { app } = makeApp();
    await world();
    const page = (await agent(app).get('/incidents')).text;
    const links = [...page.matchAll(/<li><a href="(\/incidents\?[^"]+)"><bdi>[^<]*<\/bdi><\/a> <span class="count">(\d+)<\/span><\/li>/g)];
    expect(links.length).to.be.greaterThan(8);
    for (const [, href, n] of links) {
      const followed = await agent(app).get(href!.replace(/&amp;/g, '&'));
      expect(count(followed.text), href).to.equal(Number(n));
    }
  });

  it('when filters are combined, then only incidents matching all of them remain, and the URL is a permalink', async () => {
    const { app } = makeApp();
    await world();
    const url = '/incidents?vendor=nso-group&country=FR&confidence=high';
    const res = await agent(app).get(url);
    expect(count(res.text)).to.equal(1);
    expect(res.text).to.include('Pegasus case 0');
    // The CSV link and every "remove" link keep the other filters.
    expect(res.text).to.include('href="/incidents.csv?vendor=nso-group&amp;country=FR&amp;confidence=high"');
    expect(res.text).to.include('href="/incidents?vendor=nso-group&amp;confidence=high"');
    expect(count((await agent(app).get('/incidents?listing=not-listed')).text)).to.equal(1);
    expect(count((await agent(app).get('/incidents?listing=us-entity-list')).text)).to.equal(3);
    expect(count((await agent(app).get('/incidents?target=activist')).text)).to.equal(1);
  });

  it('when nothing matches, then the page says so and offers to clear the filters; bad parameters are 400', async () => {
    const { app } = makeApp();
    await world();
    const none = await agent(app).get('/incidents?vendor=no-such-vendor');
    expect(none.status).to.equal(200);
    expect(none.text).to.include('No verified incident matches these filters.');
    expect(none.text).to.include('Clear all filters');
    for (const bad of ['/incidents?colour=red', '/incidents?vendor=a&vendor=b', '/incidents?country=XX', '/incidents?from=abc', '/incidents?vendor[$ne]=x']) {
      expect((await agent(app).get(bad)).status, bad).to.equal(400);
    }
  });

  it('when a word was searched, then an incident published, changed or withdrawn after is found or no longer found by the next search', async () => {
    const { app } = makeApp();
    const search = async (q: string) => count((await agent(app).get(`/incidents?q=${encodeURIComponent(q)}`)).text);
    const first = await createIncident({ status: 'verified', title: 'Quokka seen near the lab' });
    expect(await search('quokka')).to.equal(1);
    expect(await search('wombat')).to.equal(0);
    const second = await createIncident({ status: 'verified', title: 'Wombat and quokka' });
    expect(await search('quokka')).to.equal(2);
    expect(await search('wombat')).to.equal(1);
    await Incident.updateOne({ _id: first._id }, { $set: { title: 'Seen near the lab' } });
    await publish({ kind: 'incidents-changed', ids: [first._id] });
    expect(await search('quokka')).to.equal(1);
    await Incident.updateOne({ _id: second._id }, { $set: { published: false, 'verification.status': 'retracted' } });
    await publish({ kind: 'incidents-changed', ids: [second._id] });
    expect(await search('quokka')).to.equal(0);
    expect(await search('wombat')).to.equal(0);
  });

  it('when an incident is published between two page loads, then following "next" gives no duplicate and no gap', async () => {
    const { app } = makeApp();
    for (let i = 0; i < 45; i++) await createIncident({ status: 'verified', title: `Paged ${String(i).padStart(2, '0')}`, extra: { 'dates.start': new Date(Date.UTC(2020, 0, 1 + i)) } });
    const html = (await agent(app).get('/incidents')).text;
    await createIncident({ status: 'verified', title: 'Published meanwhile', extra: { 'dates.start': new Date(Date.UTC(2025, 0, 1)) } });
    const seen = await acrossPages(agent(app), html, />Paged (\d\d)</g);
    expect(seen).to.have.length(45);
    expect(new Set(seen).size).to.equal(45);
  });

  it('when /incidents.csv is downloaded, then it has the filtered public rows and formula cells are neutralised', async () => {
    const { app } = makeApp();
    const { pegasus } = await world();
    await createIncident({ status: 'verified', title: '=HYPERLINK("http://evil.example","x")', productId: pegasus._id });
    await createIncident({ status: 'verified', title: '@SUM(1+1)', productId: pegasus._id });
    const res = await agent(app).get('/incidents.csv?product=pegasus');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.include('text/csv');
    expect(res.headers['content-disposition']).to.include('attachment');
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).to.equal('ref,title,date_from,date_to,countries,target_categories,products,vendors,operators,leads,url');
    expect(lines).to.have.length(1 + 5);
    expect(res.text).to.include(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(res.text).to.include("'@SUM(1+1)");
    expect(res.text).not.to.match(/(^|,)[=@+-]/m);
  });
});
