import { expect } from 'chai';
import mongoose from 'mongoose';
import { AuditEvent } from '../../src/audit/index.js';
import { agent, closeApps, csrfFrom, makeApp, sessionCookie } from '../helpers/app.js';
import { createUser, signIn, totpCode } from '../helpers/factories.js';

describe('account hardening', () => {
  afterEach(closeApps);

  it('when 8 wrong TOTP codes are sent in one pending login, then the right code is refused too, with the same message, and the lock is audited', async () => {
    const { app } = makeApp();
    const account = await createUser({ roles: ['reviewer'], totp: true });
    const a = agent(app);
    const loginToken = await csrfFrom(a, '/login');
    const login = await a.post('/login').type('form').send({ _csrf: loginToken, email: account.email, password: account.password });
    expect(login.headers.location).to.equal('/login/totp');
    const token = await csrfFrom(a, '/login/totp');
    const wrong = [];
    for (let i = 0; i < 8; i++) wrong.push(await a.post('/login/totp').type('form').send({ _csrf: token, code: '000000' === (await totpCode(account.totpSecret!)) ? '111111' : '000000' }));
    expect(wrong.map((r) => r.status)).to.deep.equal(Array(8).fill(401));
    const right = await a.post('/login/totp').type('form').send({ _csrf: token, code: await totpCode(account.totpSecret!) });
    expect(right.status).to.equal(401);
    expect(right.text).to.equal(wrong[7]!.text);
    expect((await a.get('/review')).status).to.equal(302);
    expect(await AuditEvent.countDocuments({ action: 'auth.lockout', 'subject.id': account.user.id })).to.be.greaterThan(0);
    // LOGIN_MAX_FAILURES is 5: wrong codes 6, 7, 8 and then the right one all met the lock.
    expect(await AuditEvent.countDocuments({ action: 'auth.login.locked', 'subject.id': account.user.id, 'details.step': 'second-factor' })).to.equal(4);
  });

  it('when the password is changed in one session, then the account\'s other sessions end (and the page says so), while this one stays signed in', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const here = agent(app);
    const elsewhere = agent(app);
    const third = agent(app);
    await signIn(here, account);
    await signIn(elsewhere, account);
    await signIn(third, account);
    expect((await elsewhere.get('/account')).status).to.equal(200);
    const newPassword = 'a brand new passphrase 2026';
    const token = await csrfFrom(here, '/account');
    const res = await here.post('/account/password').type('form').send({ _csrf: token, currentPassword: account.password, newPassword });
    expect(res.status).to.equal(302);
    const page = await here.get('/account');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('Every other session signed in to this account has been signed out.');
    for (const other of [elsewhere, third]) {
      const after = await other.get('/account');
      expect(after.status).to.equal(302);
      expect(after.headers.location).to.equal('/login');
    }
    const stored = await mongoose.connection.db!.collection('sessions').countDocuments({ 'session.passport.user': account.user.id });
    expect(stored).to.equal(1);
    expect(await AuditEvent.countDocuments({ action: 'user.password.changed', 'details.endedSessions': 2 })).to.equal(1);
    // The new password works for a new session.
    await signIn(elsewhere, { email: account.email, password: newPassword });
    expect((await elsewhere.get('/account')).status).to.equal(200);
  });
});

describe('links, cookies and transport', () => {
  afterEach(closeApps);

  it('when the path is /.//evil.example, then no link on the page points to another host', async () => {
    const { app } = makeApp();
    for (const path of ['/.//evil.example', '//evil.example/x', '/..//evil.example', '/\\evil.example']) {
      const res = await agent(app).get(path);
      expect(res.status, path).to.be.oneOf([301, 302, 404]);
      expect(res.text, path).not.to.match(/href="\/\/|href="\/\\|href="[a-z]+:\/\/evil/i);
    }
  });

  it('when a page was reached with a CSRF token in its address, then the language link does not carry it', async () => {
    const { app } = makeApp();
    const res = await agent(app).get('/incidents?q=pegasus&_csrf=secret-token');
    expect(res.text).to.include('href="/incidents?q=pegasus&amp;lng=ar"');
    expect(res.text).not.to.include('secret-token');
  });

  it('when a language is chosen, then it is remembered for the browser session only; pages without a choice set no cookie', async () => {
    const { app } = makeApp();
    const plain = await agent(app).get('/methodology');
    expect((plain.headers['set-cookie'] as string[] | undefined) ?? []).to.deep.equal([]);
    const chosen = await agent(app).get('/methodology?lng=ar');
    const lng = ((chosen.headers['set-cookie'] as string[] | undefined) ?? []).find((c) => c.startsWith('lng='));
    expect(lng).to.match(/^lng=ar;/);
    expect(lng).not.to.match(/expires|max-age/i);
  });

  it('when Host or X-Forwarded-Proto are forged, then links in API answers stay http(s) on a plain host, or the request is refused', async () => {
    const { app } = makeApp({ TRUST_PROXY: 'true' });
    const forgedProto = await agent(app).get('/api/v1/incidents').set('X-Forwarded-Proto', 'javascript');
    expect(forgedProto.status).to.equal(200);
    expect(forgedProto.body.links.self).to.match(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/incidents/);
    const forgedHost = await agent(app).get('/api/v1/incidents').set('Host', 'evil.example/"><x');
    expect(forgedHost.status).to.equal(400);
    const configured = makeApp({ PUBLIC_URL: 'https://tracker.example.org' });
    const fixed = await agent(configured.app).get('/api/v1/incidents').set('Host', 'evil.example');
    expect(fixed.body.links.self).to.match(/^https:\/\/tracker\.example\.org\/api\/v1\/incidents/);
  });

  it('when PUBLIC_URL is https, then cookies are Secure and HSTS is sent; on plain HTTP neither', async () => {
    const site = makeApp({ PUBLIC_URL: 'https://tracker.example.org', TRUST_PROXY: '1' }).app;
    const https = await agent(site).get('/login').set('X-Forwarded-Proto', 'https');
    expect(sessionCookie(https)).to.be.a('string');
    expect((https.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('tracker.sid='))).to.match(/;\s*Secure/i);
    expect(https.headers['strict-transport-security']).to.equal('max-age=31536000');
    // A Secure session cookie is never sent over plain HTTP at all.
    expect(sessionCookie(await agent(site).get('/login'))).to.equal(undefined);
    const onion = await agent(makeApp({ PUBLIC_URL: 'http://exampleonionaddress.onion' }).app).get('/login');
    expect((onion.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('tracker.sid='))).not.to.match(/Secure/i);
    expect(onion.headers['strict-transport-security']).to.equal(undefined);
  });

  it('when behind a trusted proxy without PUBLIC_URL, then Secure and HSTS follow the scheme the proxy reports', async () => {
    const { app } = makeApp({ TRUST_PROXY: '1' });
    const overHttps = await agent(app).get('/login').set('X-Forwarded-Proto', 'https');
    expect((overHttps.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('tracker.sid='))).to.match(/;\s*Secure/i);
    expect(overHttps.headers['strict-transport-security']).to.equal('max-age=31536000');
    const overHttp = await agent(app).get('/login');
    expect(overHttp.headers['strict-transport-security']).to.equal(undefined);
    expect((overHttp.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('tracker.sid='))).not.to.match(/Secure/i);
  });
});
