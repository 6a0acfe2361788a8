import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { ApiToken } from '../../src/api/model.js';
import { AuditEvent } from '../../src/audit/index.js';
import { agent, closeApps, csrfFrom, makeApp, type Agent } from '../helpers/app.js';
import { createEntities, createIncident, createUser, signIn } from '../helpers/factories.js';

type App = Parameters<typeof agent>[0];

async function createToken(app: App, roles: ('policymaker' | 'researcher')[] = ['policymaker']): Promise<{ a: Agent; token: string; page: string; shownAt: string }> {
  const a = agent(app);
  await signIn(a, await createUser({ roles }));
  const csrf = await csrfFrom(a, '/account/tokens');
  const posted = await a.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'notebook' });
  if (posted.status !== 303) throw new Error(`token not created (${posted.status})`);
  // Post/Redirect/Get: the token is shown on the page the form leads to, once.
  const res = await a.get(String(posted.headers.location));
  const token = /sit_[A-Za-z0-9_-]{43}/.exec(res.text)?.[0];
  if (!token) throw new Error(`no token shown (${res.status})`);
  return { a, token, page: res.text, shownAt: String(posted.headers.location) };
}

async function world() {
  const { vendor, product, government } = await createEntities();
  const pub = await createIncident({ status: 'verified', title: 'Public verified', productId: product._id, vendorId: vendor._id, governmentId: government._id, extra: { indicators: [{ type: 'domain', value: 'bad.example' }], targets: [{ category: 'journalist', pseudonym: 'Consenting J', consentToPublish: true }, { category: 'activist', pseudonym: 'SECRETPSEUDONYM', consentToPublish: false }] } });
  const restricted = await createIncident({ status: 'verified', visibility: 'restricted', title: 'RESTRICTEDCANARY verified', productId: product._id, vendorId: vendor._id });
  const draft = await createIncident({ status: 'draft', title: 'DRAFTCANARY', productId: product._id });
  return { vendor, product, government, pub, restricted, draft };
}

describe('JSON API /api/v1', () => {
  afterEach(closeApps);

  it('every documented path answers, with and without a token, exactly as /api/v1/openapi.json describes', async () => {
    const { app } = makeApp();
    const w = await world();
    const { token } = await createToken(app);
    const doc = (await agent(app).get('/api/v1/openapi.json')).body as { openapi: string; paths: Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: unknown }> }> } }>; components: unknown };
    expect(doc.openapi).to.equal('3.1.0');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    ajv.addSchema({ $id: 'openapi.json', components: doc.components });
    const check = (path: string, status: number, body: unknown) => {
      const schema = doc.paths[path]!.get.responses[String(status)]!.content!['application/json']!.schema as Record<string, unknown>;
      const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/')) as object;
      const validate = ajv.compile(rewritten);
      expect(validate(body), `${path} ${status}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
    };
    const concrete: Record<string, string> = {
      '/': '/',
      '/openapi.json': '/openapi.json',
      '/vendors': '/vendors',
      '/vendors/{slug}': `/vendors/${w.vendor.slug}`,
      '/products': '/products',
      '/products/{slug}': `/products/${w.product.slug}`,
      '/governments': '/governments',
      '/governments/{slug}': `/governments/${w.government.slug}`,
      '/incidents': '/incidents?target=journalist',
      '/incidents/{ref}': `/incidents/${w.pub.ref}`,
    };
    expect(Object.keys(doc.paths).sort()).to.deep.equal(Object.keys(concrete).sort());
    for (const [path, url] of Object.entries(concrete)) {
      for (const auth of [undefined, `Bearer ${token}`]) {
        let req = agent(app).get(`/api/v1${url}`);
        if (auth) req = req.set('Authorization', auth);
        const res = await req;
        expect(res.status, `${url}`).to.equal(200);
        check(path, 200, res.body);
      }
    }
    // The check is not vacuous: an undocumented field, or a missing one, fails it.
    const sample = (await agent(app).get(`/api/v1/incidents/${w.pub.ref}`)).body as { data: Record<string, unknown> };
    expect(() => check('/incidents/{ref}', 200, { data: { ...sample.data, identity: 'x' } })).to.throw(/must NOT have additional properties/);
    expect(() => check('/incidents/{ref}', 200, { data: { ...sample.data, summary: undefined } })).to.throw(/summary/);
    const restrictedByToken = await agent(app).get(`/api/v1/incidents/${w.restricted.ref}`).set('Authorization', `Bearer ${token}`);
    check('/incidents/{ref}', 200, restrictedByToken.body);
    const missing = await agent(app).get('/api/v1/vendors/no-such-vendor');
    expect(missing.status).to.equal(404);
    check('/vendors/{slug}', 404, missing.body);
    const bad = await agent(app).get('/api/v1/incidents?evil=1');
    expect(bad.status).to.equal(400);
    check('/incidents', 400, bad.body);
    const badToken = await agent(app).get('/api/v1/incidents').set('Authorization', 'Bearer sit_nope');
    expect(badToken.status).to.equal(401);
    check('/incidents', 401, badToken.body);
  });

  it('without a token only verified public incidents are served; with one, verified restricted ones too, marked — never drafts or identities — and each use is audited', async () => {
    const { app } = makeApp();
    const w = await world();
    const { token } = await createToken(app);
    const anonymous = await agent(app).get('/api/v1/incidents');
    expect((anonymous.body as { data: { title: string }[] }).data.map((i) => i.title)).to.deep.equal(['Public verified']);
    expect(anonymous.text).not.to.contain('RESTRICTEDCANARY');
    expect((await agent(app).get(`/api/v1/incidents/${w.restricted.ref}`)).status).to.equal(404);
    const detail = await agent(app).get(`/api/v1/incidents/${w.pub.ref}`);
    expect(detail.body.data.targets).to.deep.equal([{ category: 'journalist', pseudonym: 'Consenting J' }, { category: 'activist', pseudonym: null }]);
    expect(detail.text).not.to.contain('SECRETPSEUDONYM');

    const before = await AuditEvent.countDocuments({ action: 'api.request' });
    const withToken = await agent(app).get('/api/v1/incidents').set('Authorization', `Bearer ${token}`);
    const titles = (withToken.body as { data: { title: string; visibility: string }[] }).data.map((i) => `${i.title}:${i.visibility}`).sort();
    expect(titles).to.deep.equal(['Public verified:public', 'RESTRICTEDCANARY verified:restricted']);
    expect(withToken.text).not.to.contain('DRAFTCANARY');
    expect(withToken.body.meta.includesRestricted).to.equal(true);
    expect(await AuditEvent.countDocuments({ action: 'api.request' })).to.equal(before + 1);
    const event = await AuditEvent.findOne({ action: 'api.request' }).sort({ _id: -1 }).lean();
    expect(event!.details).to.deep.equal({ method: 'GET', path: '/incidents' });
    // A signed-in browser without a token gets the public answer (cookies play no part in the API).
    const { a } = await createToken(app);
    expect((await a.get('/api/v1/incidents')).text).not.to.contain('RESTRICTEDCANARY');
  });

  it('a token is shown once, stored only as a hash, and stops working as soon as it is revoked', async () => {
    const { app } = makeApp();
    await world();
    const { a, token, shownAt } = await createToken(app);
    const stored = await mongoose.connection.db!.collection('apitokens').find({}).toArray();
    expect(JSON.stringify(stored)).not.to.contain(token);
    expect(JSON.stringify(await mongoose.connection.db!.collection('formsubmissions').find({}).toArray())).not.to.contain(token);
    expect((await a.get('/account/tokens')).text).not.to.contain(token);
    // Reloading the page it was shown on shows it no more and creates nothing.
    const reloaded = await a.get(shownAt);
    expect(reloaded.status).to.equal(200);
    expect(reloaded.text).not.to.contain(token);
    expect(reloaded.text).to.contain('was shown once');
    expect(await ApiToken.countDocuments({})).to.equal(1);
    expect((await agent(app).get('/api/v1/incidents').set('Authorization', `Bearer ${token}`)).status).to.equal(200);
    const record = await ApiToken.findOne({}).lean();
    const csrf = await csrfFrom(a, '/account/tokens');
    expect((await a.post(`/account/tokens/${String(record!._id)}/revoke`).type('form').send({ _csrf: csrf })).status).to.equal(302);
    const after = await agent(app).get('/api/v1/incidents').set('Authorization', `Bearer ${token}`);
    expect(after.status).to.equal(401);
    expect(after.body.error.message).to.equal('The API token is unknown or revoked.');
    expect(await AuditEvent.countDocuments({ action: 'api.token.revoke' })).to.equal(1);
  });

  it('a researcher cannot create tokens; a token whose owner loses the role stops working', async () => {
    const { app } = makeApp();
    const researcher = agent(app);
    await signIn(researcher, await createUser({ roles: ['researcher'] }));
    expect((await researcher.get('/account/tokens')).status).to.equal(403);
    const { token } = await createToken(app);
    const owner = await ApiToken.findOne({}).lean();
    await mongoose.connection.db!.collection('users').updateOne({ _id: owner!.user }, { $set: { roles: ['researcher'] } });
    expect((await agent(app).get('/api/v1/incidents').set('Authorization', `Bearer ${token}`)).status).to.equal(401);
  });

  it('filters and cursors work as on the pages; a bad query is a 400 JSON error', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    for (let n = 0; n < 23; n++) await createIncident({ status: 'verified', title: `Case ${n}`, productId: product._id, vendorId: vendor._id });
    const first = await agent(app).get(`/api/v1/incidents?vendor=${vendor.slug}`);
    expect(first.body.meta.total).to.equal(23);
    expect(first.body.data).to.have.length(20);
    const next = new URL(first.body.links.next as string);
    const second = await agent(app).get(`/api/v1/incidents${next.search}`);
    expect(second.body.data).to.have.length(3);
    const seen = new Set([...first.body.data, ...second.body.data].map((i: { ref: string }) => i.ref));
    expect(seen.size).to.equal(23);
    const repeated = await agent(app).get('/api/v1/incidents?vendor=a&vendor=b');
    expect(repeated.status).to.equal(400);
    expect(repeated.body).to.have.property('error');
  });

  it('when a client without a token sends more than 120 requests a minute, then it gets 429 JSON errors', async () => {
    const { app } = makeApp();
    const a = agent(app);
    const statuses: number[] = [];
    for (let n = 0; n < 125; n++) statuses.push((await a.get('/api/v1/governments')).status);
    expect(statuses.slice(0, 120).every((s) => s === 200)).to.equal(true);
    const limited = await a.get('/api/v1/governments');
    expect(limited.status).to.equal(429);
    expect(limited.body.error.status).to.equal(429);
    // The limit and what is left, as IETF draft 8 writes them, and when to come back.
    expect(limited.headers['ratelimit']).to.match(/^"120-in-1min"; r=0; t=(60|59)$/);
    expect(limited.headers['ratelimit-policy']).to.match(/^"120-in-1min"; q=120; w=60; pk=:[A-Za-z0-9+/=]{16}:$/);
    expect(limited.headers['retry-after']).to.match(/^(60|59)$/);
  });

  it('when a token holder and anonymous clients share an address, then each has its own bucket: the token its own limit wherever it comes from', async () => {
    const { app } = makeApp({ API_REQUESTS_PER_MINUTE: '3', API_TOKEN_REQUESTS_PER_MINUTE: '5' });
    const { token } = await createToken(app);
    const a = agent(app);
    const anonymous: number[] = [];
    for (let n = 0; n < 4; n++) anonymous.push((await a.get('/api/v1/governments')).status);
    expect(anonymous).to.deep.equal([200, 200, 200, 429]);
    const withToken: { status: number; limit: string; policy: string }[] = [];
    for (let n = 0; n < 6; n++) {
      const res = await a.get('/api/v1/governments').set('Authorization', `Bearer ${token}`);
      withToken.push({ status: res.status, limit: String(res.headers['ratelimit']), policy: String(res.headers['ratelimit-policy']).replace(/pk=.*/, '') });
    }
    expect(withToken.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200, 429]);
    expect(withToken[0]).to.deep.include({ policy: '"5-in-1min"; q=5; w=60; ' });
    expect(withToken[0]!.limit).to.match(/^"5-in-1min"; r=4; t=(60|59)$/);
    // The anonymous bucket is still spent; the token's requests did not refill or use it.
    expect((await a.get('/api/v1/governments')).status).to.equal(429);
  });

  it('when anonymous clients ask the same public read, then the second answer comes from the page cache (per host, counted by the rate limit); a token\'s answer never comes from it or goes into it, and a publication is seen at once', async () => {
    const { app } = makeApp();
    const w = await world();
    const { token } = await createToken(app);
    const a = agent(app);
    const first = await a.get('/api/v1/incidents').set('Host', 'one.example');
    const second = await a.get('/api/v1/incidents').set('Host', 'one.example');
    expect([first.headers['x-page-cache'], second.headers['x-page-cache']]).to.deep.equal(['miss', 'hit']);
    expect(second.text).to.equal(first.text);
    expect(second.headers['content-type']).to.match(/^application\/json/);
    expect(second.headers['cache-control']).to.equal('public, no-cache');
    expect(second.headers['ratelimit']).to.match(/\br=118\b/);
    // Kept and made answers alike leave compressed (supertest asks for gzip): a kept one holds its
    // own compressed copy, answered before the compressor; one made per request goes through it.
    expect([first.headers['content-encoding'], second.headers['content-encoding']]).to.deep.equal(['gzip', 'gzip']);
    expect((await a.get('/api/v1/incidents').set('Host', 'one.example').set('If-None-Match', String(second.headers.etag))).status).to.equal(304);
    // Links are absolute: another host gets its own answer, never the first host's.
    const other = await a.get('/api/v1/incidents').set('Host', 'two.example');
    expect(other.headers['x-page-cache']).to.equal('miss');
    expect(other.text).to.include('http://two.example/api/v1/incidents').and.not.to.include('one.example');
    // A token holder's answer (restricted incidents) is made per request and never kept.
    for (let n = 0; n < 2; n++) {
      const withToken = await agent(app).get('/api/v1/incidents').set('Host', 'one.example').set('Authorization', `Bearer ${token}`);
      expect(withToken.headers['x-page-cache']).to.equal(undefined);
      expect(withToken.headers['cache-control']).to.equal('no-store');
      expect(withToken.text).to.contain('RESTRICTEDCANARY');
      expect(withToken.headers['content-encoding']).to.equal('gzip');
    }
    const anonymousAgain = await a.get('/api/v1/incidents').set('Host', 'one.example');
    expect(anonymousAgain.headers['x-page-cache']).to.equal('hit');
    expect(anonymousAgain.text).not.to.contain('RESTRICTEDCANARY');
    expect((await a.get(`/api/v1/incidents/${w.restricted.ref}`).set('Host', 'one.example')).status).to.equal(404);
    // A publication changes the read model's version: the next answer is made again and lists it.
    const fresh = await createIncident({ status: 'verified', title: 'Published after the API cache filled', productId: w.product._id });
    const after = await a.get('/api/v1/incidents').set('Host', 'one.example');
    expect(after.headers['x-page-cache']).to.equal('miss');
    expect(after.text).to.include(fresh.ref);
  });
});
