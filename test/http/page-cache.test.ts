import { expect } from 'chai';
import { agent, binary, closeApps, makeApp } from '../helpers/app.js';
import { Incident } from '../../src/incidents/model.js';
import { seedSynthetic } from '../../src/seed/synthetic.js';
import { userActor } from '../../src/audit/index.js';
import { importIndicators } from '../../src/stix/service.js';
import { createEntities, createIncident, createUser, signedInAs } from '../helpers/factories.js';

/** http/page-cache.ts: anonymous public pages from memory, and never anything else. */
describe('rendered-page cache for anonymous visitors', () => {
  afterEach(closeApps);

  it('when a public page is asked twice, then the second comes from the cache with a strong ETag (304 when unchanged), compressed when asked, per language', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await createIncident({ status: 'verified', productId: product._id, vendorId: vendor._id });
    const visitor = agent(app);
    const first = await visitor.get(`/vendors/${vendor.slug}`).expect(200);
    const second = await visitor.get(`/vendors/${vendor.slug}`).expect(200);
    expect([first.headers['x-page-cache'], second.headers['x-page-cache']]).to.deep.equal(['miss', 'hit']);
    expect(second.text).to.equal(first.text);
    expect(second.headers['cache-control']).to.equal('public, no-cache');
    expect(second.headers['set-cookie']).to.equal(undefined);
    expect(second.headers['content-security-policy']).to.include("script-src 'self'");
    const etag = String(second.headers.etag);
    expect(etag).to.match(/^"[\w-]{32}"$/);
    expect((await visitor.get(`/vendors/${vendor.slug}`).set('If-None-Match', etag)).status).to.equal(304);
    // The client decodes what it asked for: the same page, compressed on the wire.
    for (const encoding of ['br', 'gzip']) {
      const res = await visitor.get(`/vendors/${vendor.slug}`).set('Accept-Encoding', encoding);
      expect(res.headers['content-encoding'], encoding).to.equal(encoding);
      expect(Number(res.headers['content-length'])).to.be.lessThan(Buffer.byteLength(first.text) / 3);
      expect(res.text, encoding).to.equal(first.text);
    }
    const arabic = await visitor.get(`/vendors/${vendor.slug}`).set('Accept-Language', 'ar');
    expect(arabic.text).to.include('dir="rtl"');
    // CSV with its attachment name.
    await visitor.get('/incidents.csv').expect(200);
    const csv = await visitor.get('/incidents.csv').expect(200);
    expect(csv.headers['x-page-cache']).to.equal('hit');
    expect(csv.headers['content-disposition']).to.include('incidents.csv');
  });

  it('when browsers weigh their languages (q values), then the page is in the language they prefer most, and the cache never hands one language\'s page to a reader of the other', async () => {
    const { app } = makeApp();
    const pageLanguage = async (acceptLanguage: string) => /<html lang="(\w+)"/.exec((await agent(app).get('/methodology').set('Accept-Language', acceptLanguage).expect(200)).text)?.[1];
    // Arabic weighed above English although written after it; then an English reader of the same page.
    expect(await pageLanguage('en;q=0.5, ar')).to.equal('ar');
    expect(await pageLanguage('en')).to.equal('en');
    expect(await pageLanguage('en-GB,en;q=0.9')).to.equal('en');
    expect(await pageLanguage('fr-CA, ar;q=0.2, en;q=0.9')).to.equal('en');
    expect(await pageLanguage('ar-EG;q=0.9, en;q=0.8')).to.equal('ar');
    expect(await pageLanguage('en;q=0.8, ar-EG;q=0.9')).to.equal('ar');
    // No supported language asked (or a weight of 0): English.
    expect(await pageLanguage('fr, de;q=0.5')).to.equal('en');
    expect(await pageLanguage('ar;q=0, fr')).to.equal('en');
    expect(await pageLanguage('*')).to.equal('en');
  });

  it('when a CSV export is asked, then its rows leave as they are made (chunked, no length), the next visitor gets the same bytes whole from the cache with an ETag, and a signed-in reader\'s copy is streamed and never cached', async function () {
    this.timeout(120_000);
    const { app } = makeApp();
    await seedSynthetic(1200);
    const published = await Incident.countDocuments({ published: true });
    const visitor = agent(app);
    const first = await binary(visitor, '/incidents.csv');
    expect(first.status).to.equal(200);
    expect(first.headers['transfer-encoding']).to.equal('chunked');
    expect(first.headers['content-length']).to.equal(undefined);
    expect(first.headers['x-page-cache']).to.equal('miss');
    expect(first.headers['cache-control']).to.equal('public, no-cache');
    const text = (first.body as Buffer).toString('utf8');
    expect(text.startsWith('\uFEFFref,title,date_from')).to.equal(true);
    // One line per published incident after the header: several chunks of rows, none lost or repeated.
    const refs = text.trim().split('\n').slice(1).map((line) => line.split(',')[0]);
    expect(refs.length).to.equal(published);
    expect(new Set(refs).size).to.equal(published);
    const second = await binary(visitor, '/incidents.csv');
    expect(second.headers['x-page-cache']).to.equal('hit');
    expect(Number(second.headers['content-length'])).to.be.greaterThan(0);
    expect((second.body as Buffer).equals(first.body as Buffer)).to.equal(true);
    expect(String(second.headers.etag)).to.match(/^"[\w-]{32}"$/);
    const signedIn = await binary(await signedInAs(app, ['researcher']), '/incidents.csv');
    expect(signedIn.headers['x-page-cache']).to.equal(undefined);
    expect(signedIn.headers['transfer-encoding']).to.equal('chunked');
    expect(signedIn.headers['cache-control']).to.equal('no-store');
    // The same rows (each test agent reaches the app at its own port: links differ by it only).
    const withoutOrigin = (b: Buffer) => b.toString('utf8').replace(/http:\/\/127\.0\.0\.1:\d+/g, '');
    expect(withoutOrigin(signedIn.body as Buffer)).to.equal(withoutOrigin(first.body as Buffer));
    const claims = await binary(visitor, '/claims.csv');
    expect(claims.headers['transfer-encoding']).to.equal('chunked');
    expect((claims.body as Buffer).toString('utf8').trim().split('\n').length).to.be.greaterThan(published);
  });

  it('when an incident is published, then the cached pages are not served any more: the next request shows it', async () => {
    const { app } = makeApp();
    const visitor = agent(app);
    await visitor.get('/incidents').expect(200);
    expect((await visitor.get('/incidents')).headers['x-page-cache']).to.equal('hit');
    const incident = await createIncident({ status: 'verified', title: 'Published after the cache filled' });
    const after = await visitor.get('/incidents');
    expect(after.headers['x-page-cache']).to.equal('miss');
    expect(after.text).to.include(incident.ref);
  });

  it('when data shown beside the read model changes (indicators imported for a product), then its cached page is not served any more', async () => {
    const { app } = makeApp();
    const { product } = await createEntities();
    const visitor = agent(app);
    const before = await visitor.get(`/products/${product.slug}`).expect(200);
    expect((await visitor.get(`/products/${product.slug}`)).headers['x-page-cache']).to.equal('hit');
    const bundle = { type: 'bundle', id: 'bundle--8d1d0c1e-6a4e-4c47-9a55-0d1bd2a1a001', objects: [{ type: 'indicator', spec_version: '2.1', id: 'indicator--8d1d0c1e-6a4e-4c47-9a55-0d1bd2a1a002', created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', pattern: "[domain-name:value = 'cache-test.example']", pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z' }] };
    const { user } = await createUser({ roles: ['reviewer'] });
    await importIndicators({ actor: userActor(user), product, file: { buffer: Buffer.from(JSON.stringify(bundle)), originalname: 'b.stix2' }, source: 'https://example.org/report', licence: 'CC-BY-4.0' });
    const after = await visitor.get(`/products/${product.slug}`);
    expect(after.headers['x-page-cache']).to.equal('miss');
    expect(before.text).not.to.include('indicators.stix2');
    expect(after.text).to.include('indicators.stix2');
  });

  it('when a signed-in user, a session, a form page or a restricted incident is asked, then nothing comes from or goes into the cache', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    const restricted = await createIncident({ status: 'verified', visibility: 'restricted', title: 'Restricted one', productId: product._id });
    const visitor = agent(app);
    await visitor.get(`/vendors/${vendor.slug}`);
    expect((await visitor.get(`/vendors/${vendor.slug}`)).headers['x-page-cache']).to.equal('hit');
    // Signed in: the user's own page (with their sign-out form and its token), never the cached one.
    const reviewer = await signedInAs(app, ['reviewer']);
    const own = await reviewer.get(`/vendors/${vendor.slug}`);
    expect(own.headers['x-page-cache']).to.equal(undefined);
    expect(own.headers['cache-control']).to.equal('no-store');
    expect(own.text).to.include('_csrf');
    // …and what they saw did not go in: an anonymous request still gets the anonymous page.
    const anonymous = await visitor.get(`/vendors/${vendor.slug}`);
    expect(anonymous.text).not.to.include('_csrf');
    // A restricted incident is not a public page: 404, never stored.
    for (let n = 0; n < 2; n++) {
      const res = await visitor.get(`/incidents/${restricted.ref}`);
      expect(res.status).to.equal(404);
      expect(res.headers['x-page-cache']).to.equal(undefined);
    }
    // Forms (CSRF tokens) are never on the allow-list, and a page holding a token is never stored.
    for (const path of ['/reports/new', '/login', '/dossiers/verify']) {
      const a = await visitor.get(path);
      const b = await visitor.get(path);
      expect([a.headers['x-page-cache'], b.headers['x-page-cache']], path).to.deep.equal([undefined, undefined]);
    }
    // A request carrying a session cookie is never served from the cache.
    const withSession = await agent(app).get(`/vendors/${vendor.slug}`).set('Cookie', 'sid=whatever; lng=en');
    expect(withSession.headers['x-page-cache']).to.equal(undefined);
  });

  it('when an answer says no-store (a signed-in page, a form), then it carries no ETag; public answers outside the cache (a chart, the feed, the signing key) do, and answer 304 when unchanged', async () => {
    const { app } = makeApp();
    await createIncident({ status: 'verified', title: 'Tagged case', extra: { countries: ['EG'] } });
    const reviewer = await signedInAs(app, ['reviewer']);
    for (const res of [await reviewer.get('/review'), await reviewer.get('/incidents'), await agent(app).get('/reports/new')]) {
      expect(res.status).to.equal(200);
      expect(res.headers['cache-control']).to.equal('no-store');
      expect(res.headers.etag).to.equal(undefined);
    }
    for (const url of ['/charts/global/all/targets-map.svg', '/incidents.atom', '/.well-known/tracker-signing-key.pem']) {
      // One host (the feed's links name the host it was asked on; each request here has its own port).
      const visitor = { get: (path: string) => agent(app).get(path).set('Host', 'tracker.example') };
      const first = await visitor.get(url);
      expect(first.status, url).to.equal(200);
      expect(first.headers.etag, url).to.match(/^W\/"[\w-]{32}"$/);
      const again = await visitor.get(url).set('If-None-Match', String(first.headers.etag));
      expect(again.status, url).to.equal(304);
      expect((await visitor.get(url).set('If-None-Match', 'W/"other"')).status, url).to.equal(200);
    }
  });
});
