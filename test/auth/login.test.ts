import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { User } from '../../src/auth/model.js';
import { hashRecoveryCode } from '../../src/auth/totp.js';
import { agent, closeApps, csrfFrom, makeApp, sessionCookie } from '../helpers/app.js';
import { createUser, signIn, totpCode } from '../helpers/factories.js';

async function postLogin(a: ReturnType<typeof agent>, email: string, password: string) {
  const token = await csrfFrom(a, '/login');
  return a.post('/login').type('form').send({ _csrf: token, email, password });
}

describe('POST /login', () => {
  afterEach(closeApps);

  it('when the password is right, then a new session id is issued and the account page opens', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    const form = await a.get('/login');
    const before = sessionCookie(form);
    expect(before).to.be.a('string');
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    const res = await a.post('/login').type('form').send({ _csrf: token, email: account.email, password: account.password });
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/account');
    const after = sessionCookie(res);
    expect(after).to.be.a('string').and.not.equal(before);
    const page = await a.get('/account');
    expect(page.status).to.equal(200);
    expect(page.text).to.include(account.email);
    expect(await AuditEvent.countDocuments({ action: 'auth.login', 'subject.id': account.user.id })).to.equal(1);
  });

  it('when the email is unknown or the password wrong, then the answers are identical', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    const unknown = await postLogin(a, 'nobody@example.org', 'whatever password 1');
    const wrong = await postLogin(a, account.email, 'whatever password 1');
    expect(unknown.status).to.equal(401);
    expect(wrong.status).to.equal(401);
    const strip = (html: string) => html.replace(/value="[^"]*@example\.org"/, '');
    expect(strip(unknown.text)).to.equal(strip(wrong.text));
    expect(await AuditEvent.countDocuments({ action: 'auth.login.failed' })).to.equal(2);
  });

  it('when the failures pass the limit, then even the right password is refused with the same message', async () => {
    const { app } = makeApp({ LOGIN_MAX_FAILURES: '3' });
    const account = await createUser();
    const a = agent(app);
    for (let i = 0; i < 3; i++) expect((await postLogin(a, account.email, `wrong password ${i}!`)).status).to.equal(401);
    const locked = await postLogin(a, account.email, account.password);
    expect(locked.status).to.equal(401);
    expect(locked.text).to.include('temporarily locked');
    expect((await a.get('/account')).status).to.equal(302);
    expect(await AuditEvent.countDocuments({ action: 'auth.lockout', 'subject.id': account.user.id })).to.equal(1);
    expect(await AuditEvent.countDocuments({ action: 'auth.login.locked', 'subject.id': account.user.id })).to.equal(1);
  });

  it('when the account is pending approval, then it cannot sign in', async () => {
    const { app } = makeApp();
    const account = await createUser({ status: 'pending' });
    const a = agent(app);
    const res = await postLogin(a, account.email, account.password);
    expect(res.status).to.equal(401);
    expect((await a.get('/account')).status).to.equal(302);
  });

  it('when the account is disabled while signed in, then the next request is signed out', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    expect((await a.get('/account')).status).to.equal(200);
    await User.updateOne({ _id: account.user._id }, { $set: { status: 'disabled' } });
    const res = await a.get('/account');
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/login');
  });

  it('when the fields carry operators ({"$gt": ""}), then nobody is signed in', async () => {
    const { app } = makeApp();
    await createUser();
    const a = agent(app);
    const token = await csrfFrom(a, '/login');
    const asForm = await a.post('/login').type('form').send(`_csrf=${encodeURIComponent(token)}&email[$gt]=&password[$gt]=`);
    expect(asForm.status).to.be.oneOf([401, 422]);
    const asJson = await a.post('/login').set('X-CSRF-Token', token).send({ email: { $gt: '' }, password: { $gt: '' } });
    expect(asJson.status).to.be.oneOf([401, 422]);
    expect((await a.get('/account')).status).to.equal(302);
  });
});

describe('POST /login/totp', () => {
  afterEach(closeApps);

  it('when a reviewer gives the right code, then the login completes and privileged pages open', async () => {
    const { app } = makeApp();
    const account = await createUser({ roles: ['admin'], totp: true });
    const a = agent(app);
    const first = await postLogin(a, account.email, account.password);
    expect(first.headers.location).to.equal('/login/totp');
    expect((await a.get('/account')).status).to.equal(302); // not signed in yet
    const token = await csrfFrom(a, '/login/totp');
    const res = await a.post('/login/totp').type('form').send({ _csrf: token, code: await totpCode(account.totpSecret!) });
    expect(res.status).to.equal(302);
    expect((await a.get('/admin/users')).status).to.equal(200);
  });

  it('when the same code is replayed, then it is refused', async () => {
    const { app } = makeApp();
    const account = await createUser({ roles: ['reviewer'], totp: true });
    const code = await totpCode(account.totpSecret!);
    const first = agent(app);
    await postLogin(first, account.email, account.password);
    let token = await csrfFrom(first, '/login/totp');
    expect((await first.post('/login/totp').type('form').send({ _csrf: token, code })).status).to.equal(302);
    const second = agent(app);
    await postLogin(second, account.email, account.password);
    token = await csrfFrom(second, '/login/totp');
    const replay = await second.post('/login/totp').type('form').send({ _csrf: token, code });
    expect(replay.status).to.equal(401);
    expect(replay.text).to.include('not valid');
  });

  it('when a recovery code is used, then it works once only', async () => {
    const { app } = makeApp();
    const account = await createUser({ roles: ['reviewer'], totp: true });
    await User.updateOne({ _id: account.user._id }, { $set: { recoveryCodeHashes: [hashRecoveryCode('aaaa-bbbb-cccc-dddd')] } });
    for (const expected of [302, 401]) {
      const a = agent(app);
      await postLogin(a, account.email, account.password);
      const token = await csrfFrom(a, '/login/totp');
      const res = await a.post('/login/totp').type('form').send({ _csrf: token, code: 'AAAA-BBBB-CCCC-DDDD' });
      expect(res.status).to.equal(expected);
    }
  });
});

describe('POST /logout', () => {
  afterEach(closeApps);

  it('when a user signs out, then the old session cookie no longer opens anything', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    const page = await a.get('/account');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const cookie = sessionCookie(await a.get('/account')) ?? '';
    const res = await a.post('/logout').type('form').send({ _csrf: token });
    expect(res.status).to.equal(302);
    expect((await a.get('/account')).status).to.equal(302);
    // Replaying the old cookie from somewhere else does not work either.
    if (cookie) {
      const replay = await agent(app).get('/account').set('Cookie', cookie);
      expect(replay.status).to.equal(302);
    }
    expect(await AuditEvent.countDocuments({ action: 'auth.logout' })).to.equal(1);
  });
});
