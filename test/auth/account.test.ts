import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { User } from '../../src/auth/model.js';
import { verifyPassword } from '../../src/auth/password.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createUser, signIn, totpCode } from '../helpers/factories.js';

describe('/account', () => {
  afterEach(closeApps);

  it('when the current password is right, then POST /account/password changes it and audits it', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    const token = await csrfFrom(a, '/account');
    const res = await a.post('/account/password').type('form').send({ _csrf: token, currentPassword: account.password, newPassword: 'a brand new long passphrase' });
    expect(res.status).to.equal(302);
    const user = await User.findById(account.user._id);
    expect(await verifyPassword('a brand new long passphrase', user!.passwordHash)).to.equal(true);
    expect(await AuditEvent.countDocuments({ action: 'user.password.changed' })).to.equal(1);
  });

  it('when the current password is wrong, then 422 by the field and the password stays', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    const token = await csrfFrom(a, '/account');
    const res = await a.post('/account/password').type('form').send({ _csrf: token, currentPassword: 'not the password', newPassword: 'a brand new long passphrase' });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('current password is not correct');
    const user = await User.findById(account.user._id);
    expect(await verifyPassword(account.password, user!.passwordHash)).to.equal(true);
  });

  it('when a researcher enrols TOTP, then the next login asks for a code and recovery codes were shown once', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    const page = await a.get('/account/totp');
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(page.text)![1]!.replace(/ /g, '');
    expect(page.text).to.include('otpauth://totp/');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const bad = await a.post('/account/totp').type('form').send({ _csrf: token, code: '000000' });
    expect(bad.status).to.equal(422);
    const res = await a.post('/account/totp').type('form').send({ _csrf: token, code: await totpCode(secret) });
    expect(res.headers.location).to.equal('/account/recovery-codes');
    const codes = await a.get('/account/recovery-codes');
    expect(codes.text.match(/[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}/g)).to.have.length(10);
    expect((await a.get('/account/recovery-codes')).headers.location).to.equal('/account');
    const user = await User.findById(account.user._id);
    expect(user!.totp?.enabledAt).to.be.instanceOf(Date);
    expect(user!.recoveryCodeHashes).to.have.length(10);
    expect(JSON.stringify(user!.recoveryCodeHashes)).not.to.include(codes.text.match(/[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}/)![0]);
    expect(await AuditEvent.countDocuments({ action: 'user.totp.enrolled' })).to.equal(1);
  });

  it('when a reviewer has no TOTP yet, then privileged pages stay closed until it is enrolled', async () => {
    const { app } = makeApp();
    const account = await createUser({ roles: ['reviewer', 'admin'] });
    const a = agent(app);
    const token = await csrfFrom(a, '/login');
    const login = await a.post('/login').type('form').send({ _csrf: token, email: account.email, password: account.password });
    expect(login.headers.location).to.equal('/account/totp');
    expect((await a.get('/admin/users')).status).to.equal(403);
    expect((await a.get('/admin/audit')).status).to.equal(403);
    const page = await a.get('/account/totp');
    const secret = /<code>([A-Z2-7 ]+)<\/code>/.exec(page.text)![1]!.replace(/ /g, '');
    const t2 = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    await a.post('/account/totp').type('form').send({ _csrf: t2, code: await totpCode(secret) });
    expect((await a.get('/admin/users')).status).to.equal(200);
  });

  it('when TOTP is mandatory for the role, then it cannot be turned off', async () => {
    const { app } = makeApp();
    const account = await createUser({ roles: ['reviewer'], totp: true });
    const a = agent(app);
    await signIn(a, account);
    const token = await csrfFrom(a, '/account');
    const res = await a.post('/account/totp/disable').type('form').send({ _csrf: token, currentPassword: account.password });
    expect(res.status).to.equal(403);
    expect((await User.findById(account.user._id))!.totp?.enabledAt).to.be.instanceOf(Date);
  });
});
