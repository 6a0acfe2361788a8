import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { Vendor } from '../../src/vendors/model.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createUser, signIn } from '../helpers/factories.js';
import { encodeForm } from '../helpers/reports.js';

const vendorForm = {
  name: 'Example Spyware Ltd', nameAr: 'مثال', slug: 'example-spyware', hqCountry: 'IL', parent: '', website: 'https://example.org', summary: 'A vendor.',
  aliases: 'Example\nمثال للتجسس',
};

describe('/admin/vendors, /admin/products, /admin/governments', () => {
  afterEach(closeApps);

  async function staff(app: Parameters<typeof agent>[0]) {
    const a = agent(app);
    await signIn(a, await createUser({ roles: ['reviewer'], totp: true }));
    return a;
  }

  it('when a reviewer creates a vendor, then it is stored and audited', async () => {
    const { app } = makeApp();
    const a = await staff(app);
    const token = await csrfFrom(a, '/admin/vendors/new');
    const res = await a.post('/admin/vendors').type('form').send(encodeForm({ _csrf: token, ...vendorForm }));
    expect(res.status).to.equal(302);
    const vendor = (await Vendor.findOne({ slug: 'example-spyware' }).lean())!;
    expect(vendor.aliases).to.deep.equal(['Example', 'مثال للتجسس']);
    const event = await AuditEvent.findOne({ action: 'vendor.created' }).lean();
    expect(Object.keys((event?.details as { changes: object }).changes)).to.include.members(['name', 'aliases']);
  });

  it('when the country, slug or URL is invalid, then 422 by the field and nothing stored', async () => {
    const { app } = makeApp();
    const a = await staff(app);
    for (const [bad, field] of [[{ hqCountry: 'XX' }, 'f-hqCountry-error'], [{ slug: 'Not A Slug' }, 'f-slug-error'], [{ website: 'javascript:alert(1)' }, 'f-website-error']] as const) {
      const token = await csrfFrom(a, '/admin/vendors/new');
      const res = await a.post('/admin/vendors').type('form').send(encodeForm({ _csrf: token, ...vendorForm, ...bad }));
      expect(res.status).to.equal(422);
      expect(res.text).to.include(`id="${field}"`);
    }
    expect(await Vendor.countDocuments({})).to.equal(0);
  });

  it('when a vendor is renamed to a new slug, then the old slug redirects (301) and cannot be taken by another record', async () => {
    const { app } = makeApp();
    const a = await staff(app);
    let token = await csrfFrom(a, '/admin/vendors/new');
    await a.post('/admin/vendors').type('form').send(encodeForm({ _csrf: token, ...vendorForm }));
    token = await csrfFrom(a, '/admin/vendors/example-spyware/edit');
    const res = await a.post('/admin/vendors/example-spyware').type('form').send(encodeForm({ _csrf: token, ...vendorForm, slug: 'renamed-spyware', name: 'Renamed Spyware' }));
    expect(res.headers.location).to.equal('/admin/vendors/renamed-spyware/edit');
    const old = await a.get('/admin/vendors/example-spyware/edit');
    expect(old.status).to.equal(301);
    expect(old.headers.location).to.equal('/admin/vendors/renamed-spyware/edit');
    const taken = await a.post('/admin/vendors').type('form').send(encodeForm({ _csrf: token, ...vendorForm, slug: 'example-spyware' }));
    expect(taken.status).to.equal(422);
    expect(taken.text).to.include('already used');
    const change = await AuditEvent.findOne({ action: 'vendor.updated' }).lean();
    expect((change?.details as { changes: Record<string, unknown> }).changes.slug).to.deep.equal({ before: 'example-spyware', after: 'renamed-spyware' });
  });

  it('when a product and a government are created, then their pages list them with the Arabic names in Arabic', async () => {
    const { app } = makeApp();
    const a = await staff(app);
    let token = await csrfFrom(a, '/admin/vendors/new');
    await a.post('/admin/vendors').type('form').send(encodeForm({ _csrf: token, ...vendorForm }));
    const vendor = (await Vendor.findOne({}))!;
    token = await csrfFrom(a, '/admin/products/new');
    expect((await a.post('/admin/products').type('form').send({ _csrf: token, name: 'Example', nameAr: 'مثال', slug: 'example', vendor: vendor.id, category: 'spyware', aliases: '', description: '' })).status).to.equal(302);
    expect((await a.post('/admin/governments').type('form').send({ _csrf: token, name: 'Government of Morocco', nameAr: 'الحكومة المغربية', slug: 'morocco', country: 'MA', 'agencies[0][name]': 'DGST', 'agencies[0][kind]': 'intelligence' })).status).to.equal(302);
    expect((await a.get('/admin/products?lng=ar')).text).to.include('مثال');
    expect((await a.get('/admin/governments?lng=ar')).text).to.include('المغرب');
  });
});

describe('authorization of every new route, per role', () => {
  afterEach(closeApps);

  const cases: { path: string; expect: Record<string, number> }[] = [
    { path: '/review', expect: { visitor: 302, researcher: 403, policymaker: 403, reviewer: 200, admin: 200 } },
    { path: '/admin/vendors', expect: { visitor: 302, researcher: 403, policymaker: 403, reviewer: 200, admin: 200 } },
    { path: '/admin/products/new', expect: { visitor: 302, researcher: 403, policymaker: 403, reviewer: 200, admin: 200 } },
    { path: '/admin/governments', expect: { visitor: 302, researcher: 403, policymaker: 403, reviewer: 200, admin: 200 } },
    { path: '/reports', expect: { visitor: 302, researcher: 200, policymaker: 200, reviewer: 200, admin: 200 } },
    { path: '/reports/new', expect: { visitor: 200, researcher: 200, policymaker: 200, reviewer: 200, admin: 200 } },
    { path: '/incidents', expect: { visitor: 200, researcher: 200, policymaker: 200, reviewer: 200, admin: 200 } },
    { path: '/methodology', expect: { visitor: 200, researcher: 200, policymaker: 200, reviewer: 200, admin: 200 } },
  ];

  it('when each role asks for each page, then the answer is the expected one', async () => {
    const { app } = makeApp();
    const agents: Record<string, ReturnType<typeof agent>> = { visitor: agent(app) };
    for (const role of ['researcher', 'policymaker', 'reviewer', 'admin'] as const) {
      const a = agent(app);
      await signIn(a, await createUser({ roles: [role], totp: role === 'reviewer' || role === 'admin' }));
      agents[role] = a;
    }
    const mismatches: string[] = [];
    for (const c of cases) {
      for (const [role, status] of Object.entries(c.expect)) {
        const got = (await agents[role]!.get(c.path)).status;
        if (got !== status) mismatches.push(`${role} ${c.path}: ${got} (expected ${status})`);
      }
    }
    expect(mismatches).to.deep.equal([]);
  });
});
