import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { User } from '../../src/auth/model.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createUser, signIn } from '../helpers/factories.js';

async function register(a: ReturnType<typeof agent>, fields: Record<string, string>) {
  const token = await csrfFrom(a, '/register');
  return a.post('/register').type('form').send({ _csrf: token, ...fields });
}

describe('POST /register', () => {
  afterEach(closeApps);

  it('when registration needs approval, then the account is created pending and cannot sign in yet', async () => {
    const { app } = makeApp();
    const a = agent(app);
    const res = await register(a, { email: 'Reporter@Example.org ', name: 'Reporter', password: 'a long enough passphrase' });
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/login');
    const user = await User.findOne({ email: 'reporter@example.org' });
    expect(user?.status).to.equal('pending');
    expect(user?.roles).to.deep.equal(['researcher']);
    expect(user?.passwordHash).to.match(/^scrypt\$17\$/);
    expect(await AuditEvent.countDocuments({ action: 'user.registered' })).to.equal(1);
    expect((await a.get('/login')).text).to.include('administrator will review');
  });

  it('when the email is already registered, then the answer is the same and nothing changes', async () => {
    const { app } = makeApp();
    const existing = await createUser({ name: 'Original' });
    const res = await register(agent(app), { email: existing.email, name: 'Impostor', password: 'another long passphrase' });
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/login');
    const users = await User.find({ email: existing.email });
    expect(users).to.have.length(1);
    expect(users[0]!.name).to.equal('Original');
  });

  it('when the password is common or short, then the form comes back with the message and nothing is stored', async () => {
    const { app } = makeApp();
    const a = agent(app);
    const common = await register(a, { email: 'a@example.org', name: 'A', password: 'password1234' });
    expect(common.status).to.equal(422);
    expect(common.text).to.include('too common');
    expect(common.text).to.include('value="a@example.org"');
    expect(common.text).not.to.include('password1234');
    const short = await register(a, { email: 'a@example.org', name: 'A', password: 'short' });
    expect(short.status).to.equal(422);
    expect(short.text).to.include('at least 12 characters');
    expect(short.text).to.match(/aria-describedby="[^"]*f-password-error/);
    expect(await User.countDocuments({})).to.equal(0);
  });

  it('when the password is long and unusual, then it is accepted exactly as typed (no truncation)', async () => {
    const { app } = makeApp({ REGISTRATION: 'open' });
    const long = `${'ü'.repeat(100)} and 50 more characters to pass 128 in total`;
    expect([...long].length).to.be.greaterThan(128);
    const a = agent(app);
    expect((await register(a, { email: 'long@example.org', name: 'Long', password: long })).status).to.equal(302);
    // A password equal to the first 72 bytes must not open the account.
    const truncated = Buffer.from(long).subarray(0, 72).toString();
    const b = agent(app);
    const token = await csrfFrom(b, '/login');
    expect((await b.post('/login').type('form').send({ _csrf: token, email: 'long@example.org', password: truncated })).status).to.equal(401);
    await signIn(agent(app), { email: 'long@example.org', password: long });
  });

  it('when a field is missing or unknown, then 422 and nothing is stored', async () => {
    const { app } = makeApp();
    const a = agent(app);
    expect((await register(a, { email: 'x@example.org', password: 'a long enough passphrase' })).status).to.equal(422);
    expect((await register(a, { email: 'x@example.org', name: 'X', password: 'a long enough passphrase', roles: 'admin' })).status).to.equal(422);
    expect((await register(a, { email: 'not-an-email', name: 'X', password: 'a long enough passphrase' })).status).to.equal(422);
    expect(await User.countDocuments({})).to.equal(0);
  });

  it('when registration is closed, then the form says so and a POST is refused', async () => {
    const { app } = makeApp({ REGISTRATION: 'closed' });
    const a = agent(app);
    const page = await a.get('/register');
    expect(page.text).to.include('Registration is closed');
    const token = await csrfFrom(a, '/login');
    const res = await a.post('/register').type('form').send({ _csrf: token, email: 'c@example.org', name: 'C', password: 'a long enough passphrase' });
    expect(res.status).to.equal(403);
    expect(await User.countDocuments({})).to.equal(0);
  });

  it('when a display name carries a script, then every page that shows it escapes it', async () => {
    const { app } = makeApp({ REGISTRATION: 'open' });
    const payload = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    await register(agent(app), { email: 'xss@example.org', name: payload, organisation: payload, password: 'a long enough passphrase' });
    const self = agent(app);
    await signIn(self, { email: 'xss@example.org', password: 'a long enough passphrase' });
    const admin = await createUser({ roles: ['admin'], totp: true });
    const adminAgent = agent(app);
    await signIn(adminAgent, admin);
    const pages = [await self.get('/account'), await adminAgent.get('/admin/users'), await adminAgent.get('/admin/audit')];
    for (const page of pages) {
      expect(page.status).to.equal(200);
      expect(page.text).not.to.include('<script>alert(1)');
      expect(page.text).not.to.include('<img src=x');
    }
    expect(pages[0]!.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(pages[1]!.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
