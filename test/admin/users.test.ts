import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { User } from '../../src/auth/model.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createUser, signIn } from '../helpers/factories.js';

async function adminAgent(app: Parameters<typeof agent>[0]) {
  const admin = await createUser({ roles: ['admin'], totp: true });
  const a = agent(app);
  await signIn(a, admin);
  return { a, admin };
}

describe('/admin/users', () => {
  afterEach(closeApps);

  it('when an admin approves a pending researcher, then the account is active and the approval audited', async () => {
    const { app } = makeApp();
    const { a, admin } = await adminAgent(app);
    const pending = await createUser({ status: 'pending' });
    const list = await a.get('/admin/users?status=pending');
    expect(list.text).to.include(pending.email);
    const token = await csrfFrom(a, '/admin/users');
    const res = await a.post(`/admin/users/${pending.user.id}/approve`).type('form').send({ _csrf: token });
    expect(res.status).to.equal(302);
    expect((await User.findById(pending.user._id))!.status).to.equal('active');
    const event = await AuditEvent.findOne({ action: 'user.approved' }).lean();
    expect(event?.subject?.id).to.equal(pending.user.id);
    expect(event?.actor?.id).to.equal(admin.user.id);
  });

  it('when an admin changes roles and disables a user, then both are stored and audited with before/after', async () => {
    const { app } = makeApp();
    const { a } = await adminAgent(app);
    const target = await createUser();
    const token = await csrfFrom(a, '/admin/users');
    await a.post(`/admin/users/${target.user.id}/roles`).type('form').send(`_csrf=${encodeURIComponent(token)}&roles=researcher&roles=policymaker`);
    expect((await User.findById(target.user._id))!.roles).to.deep.equal(['policymaker', 'researcher']);
    const change = await AuditEvent.findOne({ action: 'user.roles.changed' }).lean();
    expect(change?.details).to.deep.equal({ before: ['researcher'], after: ['policymaker', 'researcher'] });
    await a.post(`/admin/users/${target.user.id}/disable`).type('form').send({ _csrf: token });
    expect((await User.findById(target.user._id))!.status).to.equal('disabled');
    expect(await AuditEvent.countDocuments({ action: 'user.disabled' })).to.equal(1);
  });

  it('when no role is ticked or an unknown role is sent, then 4xx and the roles stay', async () => {
    const { app } = makeApp();
    const { a } = await adminAgent(app);
    const target = await createUser();
    const token = await csrfFrom(a, '/admin/users');
    expect((await a.post(`/admin/users/${target.user.id}/roles`).type('form').send({ _csrf: token })).status).to.equal(422);
    expect((await a.post(`/admin/users/${target.user.id}/roles`).type('form').send({ _csrf: token, roles: 'superuser' })).status).to.equal(422);
    expect((await User.findById(target.user._id))!.roles).to.deep.equal(['researcher']);
  });

  it('when the id is not an id or the user does not exist, then 404', async () => {
    const { app } = makeApp();
    const { a } = await adminAgent(app);
    const token = await csrfFrom(a, '/admin/users');
    expect((await a.post('/admin/users/nope/approve').type('form').send({ _csrf: token })).status).to.equal(404);
    expect((await a.post('/admin/users/65a000000000000000000000/disable').type('form').send({ _csrf: token })).status).to.equal(404);
  });

  it('when the query repeats or adds a key, then 400', async () => {
    const { app } = makeApp();
    const { a } = await adminAgent(app);
    expect((await a.get('/admin/users?status=pending&status=active')).status).to.equal(400);
    expect((await a.get('/admin/users?sort=name')).status).to.equal(400);
    expect((await a.get('/admin/users?status[$ne]=x')).status).to.equal(400);
  });

  for (const roles of [['researcher'], ['policymaker'], ['reviewer']] as const) {
    it(`when a ${roles[0]} tries, then the admin pages and actions are refused`, async () => {
      const { app } = makeApp();
      const account = await createUser({ roles: [...roles], totp: true });
      const target = await createUser({ status: 'pending' });
      const a = agent(app);
      await signIn(a, account);
      expect((await a.get('/admin/users')).status).to.equal(403);
      expect((await a.get('/admin/audit')).status).to.equal(403);
      const token = await csrfFrom(a, '/account');
      expect((await a.post(`/admin/users/${target.user.id}/approve`).type('form').send({ _csrf: token })).status).to.equal(403);
      expect((await User.findById(target.user._id))!.status).to.equal('pending');
    });
  }

  it('when a visitor is not signed in, then admin pages redirect to sign in and POSTs are refused', async () => {
    const { app } = makeApp();
    const a = agent(app);
    const res = await a.get('/admin/users');
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/login');
    const token = await csrfFrom(a, '/login');
    expect((await a.post('/admin/users/65a000000000000000000000/approve').type('form').send({ _csrf: token })).status).to.equal(401);
  });
});
