import { expect } from 'chai';
import { Incident } from '../../src/incidents/model.js';
import { agent, binary, closeApps, makeApp } from '../helpers/app.js';
import { createIncident } from '../helpers/factories.js';
import { Vendor } from '../../src/vendors/model.js';
import { OfficialAction } from '../../src/listings/model.js';
import { Product } from '../../src/products/model.js';
import { Government } from '../../src/governments/model.js';
import { catalogue, resetCatalogue, watchForOtherProcesses, stopWatching } from '../../src/catalogue/index.js';
import { recordChange } from '../../src/events/changes.js';
import { publish } from '../../src/events/index.js';

function figure(html: string): number {
  const m = /<dt>Verified incidents<\/dt><dd><a href="[^"]+">(\d+)<\/a><\/dd>/.exec(html);
  return m ? Number(m[1]) : -1;
}
/** Charts are images: read them as text explicitly (supertest does not buffer image/* as text). */
async function svg(a: ReturnType<typeof agent>, path: string): Promise<{ status: number; text: string; headers: Record<string, string> }> {
  const res = await binary(a, path);
  return { status: res.status, text: (res.body as Buffer).toString('utf8'), headers: res.headers };
}

/** The parts of a page that show data: without the filter form's option lists (all countries). */
function dataOf(html: string): string {
  return html.replace(/<select[\s\S]*?<\/select>/g, '');
}

function count(html: string): number {
  const m = /result-count" role="status">(\d+) verified/.exec(html);
  return m ? Number(m[1]) : -1;
}

async function world() {
  const parent = await Vendor.create({ slug: 'holding', name: 'Holding SA' });
  await OfficialAction.create({ slug: 'designation', regime: 'us-ofac-sdn', kind: 'listing', citation: 'designation', entities: [{ vendor: parent._id }] });
  const maker = await Vendor.create({ slug: 'maker', name: 'Maker AD', parent: parent._id });
  const tool = await Product.create({ slug: 'tool', name: 'Tool', vendor: maker._id, category: 'spyware' });
  const gov = await Government.create({ slug: 'gov', country: 'EG', name: 'Government of Egypt', agencies: [{ name: 'Agency', kind: 'intelligence' }] });
  await publish({ kind: 'entities-changed' });
  for (let i = 0; i < 4; i++) await createIncident({ status: 'verified', title: `Published ${i}`, productId: tool._id, vendorId: maker._id, governmentId: gov._id, extra: { countries: ['EG'] } });
  // Canaries: attributed to the same entities, in a country used by nothing published (Iceland).
  const canaries = [
    await createIncident({ status: 'draft', title: 'CANARY-DRAFT', productId: tool._id, governmentId: gov._id, extra: { countries: ['IS'] } }),
    await createIncident({ status: 'in-review', title: 'CANARY-REVIEW', productId: tool._id, governmentId: gov._id, extra: { countries: ['IS'] } }),
    await createIncident({ status: 'verified', visibility: 'restricted', title: 'CANARY-RESTRICTED', productId: tool._id, governmentId: gov._id, extra: { countries: ['IS'] } }),
    await createIncident({ status: 'retracted', title: 'CANARY-RETRACTED', productId: tool._id, governmentId: gov._id, extra: { countries: ['IS'] } }),
  ];
  return { parent, maker, tool, gov, canaries };
}

describe('profiles, indexes and charts', () => {
  afterEach(closeApps);

  it('when a profile shows its count, then it equals what /incidents shows for the same filter', async () => {
    const { app } = makeApp();
    await world();
    for (const [profile, filter] of [['/vendors/maker', '/incidents?vendor=maker'], ['/vendors/holding', '/incidents?vendor=holding'], ['/products/tool', '/incidents?product=tool'], ['/governments/gov', '/incidents?government=gov']]) {
      const shown = figure((await agent(app).get(profile!)).text);
      expect(shown, profile).to.equal(4);
      expect(count((await agent(app).get(filter!)).text), filter).to.equal(shown);
    }
    const holding = (await agent(app).get('/vendors/holding')).text;
    expect(holding).to.include('Listed under 1 regime');
    expect(holding).to.include('href="/vendors/maker"');
    const maker = (await agent(app).get('/vendors/maker')).text;
    expect(maker).to.include('Not listed anywhere');
  });

  it('when incidents are unpublished, then no list, count, profile, chart, map or CSV shows them', async () => {
    const { app } = makeApp();
    await world();
    const visitor = agent(app);
    const pages = ['/', '/incidents', '/incidents?q=canary', '/incidents.csv', '/vendors', '/vendors/maker', '/products/tool', '/governments', '/governments/gov',
      '/charts/global/all/targets-map.svg', '/charts/product/tool/targets-map.svg', '/charts/government/gov/years.svg', '/charts/vendor/maker/categories.svg', '/charts/government/gov/operators-map.svg'];
    for (const lng of ['en', 'ar']) {
      for (const path of pages) {
        const url = `${path}${path.includes('?') ? '&' : '?'}lng=${lng}`;
        const res = path.startsWith('/charts/') ? await svg(visitor, url) : await visitor.get(url);
        expect(res.status, path).to.equal(200);
        expect(res.text.length, path).to.be.greaterThan(100);
        expect(dataOf(res.text), path).not.to.match(/CANARY|Iceland|آيسلندا|أيسلندا|\bIS\b[;,]/);
      }
    }
    // The target map of the product really does carry its published figures (Egypt: 4).
    expect((await svg(visitor, '/charts/product/tool/targets-map.svg')).text).to.include('Egypt: 4');
    expect(count((await visitor.get('/incidents?product=tool&lng=en')).text)).to.equal(4);
  });

  it('when a chart is asked for, then it is an SVG with its own strict CSP and its figures in the title', async () => {
    const { app } = makeApp();
    await world();
    const res = await svg(agent(app), '/charts/product/tool/targets-map.svg?lng=ar');
    expect(res.headers['content-type']).to.include('image/svg+xml');
    expect(res.headers['content-security-policy']).to.equal("default-src 'none'");
    expect(res.text).to.match(/^<svg xmlns='http:\/\/www.w3.org\/2000\/svg'/);
    expect(res.text).to.include('مصر: 4');
    expect(res.text).not.to.match(/<script|on[a-z]+=/i);
    expect((await agent(app).get('/charts/vendor/no-such/years.svg')).status).to.equal(404);
    expect((await agent(app).get('/charts/vendor/maker/pie.svg')).status).to.equal(404);
  });

  it('when a vendor is renamed, then its old profile address redirects to the new one', async () => {
    const { app } = makeApp();
    await Vendor.create({ slug: 'new-name', previousSlugs: ['old-name'], name: 'Renamed' });
    const res = await agent(app).get('/vendors/old-name');
    expect(res.status).to.equal(301);
    expect(res.headers.location).to.equal('/vendors/new-name');
  });

  it('when a company continued under another name as a new record, then both profiles link to each other', async () => {
    const { app } = makeApp();
    const successor = await Vendor.create({ slug: 'memento-labs', name: 'Memento Labs' });
    await Vendor.create({ slug: 'hacking-team', name: 'Hacking Team', successor: successor._id });
    const old = (await agent(app).get('/vendors/hacking-team')).text;
    expect(old).to.match(/Continued as: <a href="\/vendors\/memento-labs">/);
    const current = (await agent(app).get('/vendors/memento-labs')).text;
    expect(current).to.match(/Successor of: <a href="\/vendors\/hacking-team">/);
  });

  it('when another process publishes an incident, then this process picks it up from the change log', async () => {
    const { app } = makeApp();
    await world();
    await catalogue();
    // A write this process did not make: straight into the database, then the change another process records.
    const other = await createIncident({ status: 'draft', title: 'From another process' });
    await Incident.updateOne({ _id: other._id }, { $set: { 'verification.status': 'verified', published: true } });
    await recordChange({ incidents: [String(other._id)] });
    watchForOtherProcesses(100);
    try {
      let found = false;
      for (let i = 0; i < 50 && !found; i++) {
        await new Promise((r) => setTimeout(r, 100));
        found = (await agent(app).get('/incidents')).text.includes('From another process');
      }
      expect(found).to.equal(true);
    } finally {
      await stopWatching();
      resetCatalogue();
    }
  });
});
