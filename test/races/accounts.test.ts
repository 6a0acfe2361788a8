import { expect } from 'chai';
import mongoose from 'mongoose';
import { ApiToken } from '../../src/api/model.js';
import { AuditEvent } from '../../src/audit/index.js';
import { LoginFailure, User } from '../../src/auth/model.js';
import { verifyPassword } from '../../src/auth/password.js';
import { Evidence } from '../../src/evidence/model.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createIncident, createUser, signIn, signedInAs } from '../helpers/factories.js';
import { printRace, race } from '../helpers/race.js';

const WAYS = 50;
const ROUNDS = 5;

/** Changes applied one after another: each starts from what the previous one left (none lost, none crossed). */
function expectChain(changes: { from: string; to: string }[], initial: string): void {
  let current = initial;
  for (const [i, c] of changes.entries()) {
    expect(c.from, `change ${i + 1} starts where the previous one left it`).to.equal(current);
    current = c.to;
  }
}

function okOr409(results: { status: number }[], ok = 302): void {
  expect(results.filter((r) => r.status !== ok && r.status !== 409).map((r) => r.status), 'no other answers').to.deep.equal([]);
}

describe('races: accounts, tokens and evidence (50 ways at once, 5 rounds)', function () {
  this.timeout(600_000);
  afterEach(closeApps);

  it('when 50 wrong passwords for one account are sent at once, then at most LOGIN_MAX_FAILURES are checked and recorded, and the right password is then refused as locked', async () => {
    const recorded: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp({ LOGIN_ATTEMPTS_PER_MINUTE: '1000', LOGIN_MAX_FAILURES: '5' });
      const account = await createUser({ cheapHash: true });
      const results = await race(WAYS, async () => {
        const a = agent(app);
        return { a, token: await csrfFrom(a, '/login') };
      }, (p, i) => p.a.post('/login').type('form').send({ _csrf: p.token, email: account.email, password: `wrong guess ${i}` }));
      expect(results.map((r) => r.status).filter((s) => s !== 401 && s !== 200), 'refused alike').to.deep.equal([]);
      const failures = await LoginFailure.countDocuments({ user: account.user._id });
      recorded.push(failures);
      expect(await AuditEvent.countDocuments({ action: 'auth.login.failed', 'subject.id': account.user.id })).to.equal(failures);
      const owner = agent(app);
      const token = await csrfFrom(owner, '/login');
      const res = await owner.post('/login').type('form').send({ _csrf: token, email: account.email, password: account.password });
      expect(res.headers.location, 'locked: the right password does not sign in').not.to.equal('/');
    }
    printRace('wrong passwords vs lockout at 5, failures checked', WAYS, recorded);
    expect(recorded).to.deep.equal(Array(ROUNDS).fill(5));
  });

  it('when 50 password changes with different new passwords are sent at once, then exactly one is confirmed and that one holds', async () => {
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp();
      const account = await createUser({ cheapHash: true });
      const a = agent(app);
      await signIn(a, account);
      const token = await csrfFrom(a, '/account');
      const results = await Promise.all(Array.from({ length: WAYS }, (_, i) => a.post('/account/password').type('form').send({ _csrf: token, currentPassword: account.password, newPassword: `a new long passphrase ${round}-${i}` })));
      // 409 if the change lost the race, 422 "current password wrong" if it read the new one.
      expect(results.map((r) => r.status).filter((s) => s !== 302 && s !== 409 && s !== 422)).to.deep.equal([]);
      const confirmed = results.map((r, i) => (r.status === 302 ? i : -1)).filter((i) => i >= 0);
      winners.push(confirmed.length);
      const stored = (await User.findById(account.user._id).lean())!;
      expect(await verifyPassword(`a new long passphrase ${round}-${confirmed[0]}`, stored.passwordHash), 'the confirmed password is the stored one').to.equal(true);
      expect(await AuditEvent.countDocuments({ action: 'user.password.changed', 'subject.id': account.user.id })).to.equal(1);
    }
    printRace('password change, changes confirmed', WAYS, winners);
    expect(winners).to.deep.equal(Array(ROUNDS).fill(1));
  });

  it('when an account approval is sent 50 times at once (two administrators), then it is approved once', async () => {
    const approvals: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp();
      const pending = await createUser({ status: 'pending', cheapHash: true });
      const admins = await Promise.all([signedInAs(app, ['admin']), signedInAs(app, ['admin'])]);
      const tokens = await Promise.all(admins.map((a) => csrfFrom(a, '/admin/users')));
      const results = await Promise.all(Array.from({ length: WAYS }, (_, i) => admins[i % 2]!.post(`/admin/users/${pending.user.id}/approve`).type('form').send({ _csrf: tokens[i % 2] })));
      okOr409(results);
      const audited = await AuditEvent.countDocuments({ action: 'user.approved', 'subject.id': pending.user.id });
      approvals.push(audited);
      expect(results.filter((r) => r.status === 302)).to.have.length(audited);
      expect((await User.findById(pending.user._id).lean())!.status).to.equal('active');
    }
    printRace('account approval, approvals recorded', WAYS, approvals);
    expect(approvals).to.deep.equal(Array(ROUNDS).fill(1));
  });

  it('when 50 different role changes for one account are sent at once, then each change applied starts from the roles the previous one left, and the stored roles are the last audited ones', async () => {
    const applied: number[] = [];
    const choices = [['policymaker'], ['policymaker', 'researcher'], ['reviewer'], ['researcher', 'reviewer']];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp();
      const target = await createUser({ cheapHash: true });
      const admins = await Promise.all([signedInAs(app, ['admin']), signedInAs(app, ['admin'])]);
      const tokens = await Promise.all(admins.map((a) => csrfFrom(a, '/admin/users')));
      const results = await Promise.all(Array.from({ length: WAYS }, (_, i) => admins[i % 2]!.post(`/admin/users/${target.user.id}/roles`).type('form').send({ _csrf: tokens[i % 2], roles: choices[i % 4] })));
      okOr409(results);
      const events = await AuditEvent.find({ action: 'user.roles.changed', 'subject.id': target.user.id }).sort({ _id: 1 }).lean();
      applied.push(events.length);
      expectChain(events.map((e) => e.details as { before: string[]; after: string[] }).map((d) => ({ from: d.before.join(), to: d.after.join() })), 'researcher');
      const stored = (await User.findById(target.user._id).lean())!;
      expect([...stored.roles].sort().join(), 'the stored roles are the last audited ones').to.equal((events.at(-1)!.details as { after: string[] }).after.join());
    }
    printRace('role changes, applied (each from the last)', WAYS, applied);
    expect(applied.every((n) => n >= 1)).to.equal(true);
  });

  it('when one API token is revoked 50 times at once, then it is revoked once and stops working', async () => {
    const revocations: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp();
      const owner = await signedInAs(app, ['policymaker']);
      const csrf = await csrfFrom(owner, '/account/tokens');
      const created = await owner.get(String((await owner.post('/account/tokens').type('form').send({ _csrf: csrf, name: `race ${round}` })).headers.location));
      const plain = /(sit_[A-Za-z0-9_-]{43})/.exec(created.text)?.[1];
      expect(plain, 'token shown once').to.be.a('string');
      const record = (await ApiToken.findOne({}).sort({ createdAt: -1 }).lean())!;
      const results = await Promise.all(Array.from({ length: WAYS }, () => owner.post(`/account/tokens/${String(record._id)}/revoke`).type('form').send({ _csrf: csrf })));
      okOr409(results);
      const audited = await AuditEvent.countDocuments({ action: 'api.token.revoke', 'subject.id': String(record._id) });
      revocations.push(audited);
      expect((await agent(app).get('/api/v1/vendors').set('Authorization', `Bearer ${plain!}`)).status).to.equal(401);
      await ApiToken.deleteMany({});
    }
    printRace('API token revocation, revocations recorded', WAYS, revocations);
    expect(revocations).to.deep.equal(Array(ROUNDS).fill(1));
  });

  it('when two reviewers classify one evidence file 50 times at once (public / restricted), then each change applied starts where the previous one left it, and the stored value is the last audited one', async () => {
    const changes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp();
      const incident = await createIncident({ status: 'verified' });
      const copy = { file: `race-${round}`, sha256: 'a'.repeat(64), size: 1, mediaType: 'image/png' };
      const evidence = await Evidence.create({ name: 'file-aaaaaaaaaaaa.png', original: copy, working: copy, incident: incident._id, receivedAt: new Date() });
      const id = String(evidence._id);
      const reviewers = await Promise.all([signedInAs(app, ['reviewer']), signedInAs(app, ['reviewer'])]);
      const tokens = await Promise.all(reviewers.map((a) => csrfFrom(a, `/evidence/${id}`)));
      const results = await Promise.all(Array.from({ length: WAYS }, (_, i) => reviewers[i % 2]!.post(`/evidence/${id}/classification`).type('form').send({ _csrf: tokens[i % 2], classification: i % 3 === 0 ? 'restricted' : 'public' })));
      okOr409(results);
      const events = await AuditEvent.find({ action: 'evidence.classified', 'subject.id': id }).sort({ _id: 1 }).lean();
      changes.push(events.length);
      expectChain(events.map((e) => e.details as { from: string; to: string }), 'restricted');
      const stored = (await Evidence.findById(id).lean())!;
      expect(stored.classification, 'the stored value is the last audited one').to.equal((events.at(-1)!.details as { to: string }).to);
      await mongoose.connection.db!.collection('evidences').deleteMany({});
    }
    printRace('evidence classification, applied (each from the last)', WAYS, changes);
    expect(changes.every((n) => n >= 1)).to.equal(true);
  });
});
