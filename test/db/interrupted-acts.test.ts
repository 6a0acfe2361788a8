import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { ApiToken } from '../../src/api/model.js';
import { AuditEvent } from '../../src/audit/index.js';
import { User } from '../../src/auth/model.js';
import { verifyPassword } from '../../src/auth/password.js';
import { Claim, claimHoldersGone, STALE_CLAIM_MS } from '../../src/db/claims.js';
import { Incident } from '../../src/incidents/model.js';
import { Report } from '../../src/reports/model.js';
import { Review } from '../../src/verification/model.js';
import { numberReview, takeApprovalSlot } from '../../src/verification/service.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createIncident, createUser, signIn, signedInAs } from '../helpers/factories.js';
import { postReport } from '../helpers/reports.js';

/**
 * What a crash leaves between a claim and its write (db/claims.ts claimAct): the claim taken, the
 * change never made. Each test writes that leftover directly, as `kill -9` would leave it, then acts
 * through the real pages: a fresh claim still refuses (its request may be running), a stale one is
 * taken over and the act completes.
 */
const R1 = `R-${new Date().getUTCFullYear()}-00001`;
const staleAt = () => new Date(Date.now() - STALE_CLAIM_MS - 60_000);
const leftover = (key: string, at = staleAt()) => Claim.create({ _id: key, at, by: 'killed-request' });

/** An incident in review whose two approvals are stored and counted (their slots taken), as a crash after the second one leaves it. */
async function twoApprovalsOnRecord(title: string) {
  const incident = await createIncident({ status: 'in-review', title });
  const accounts = [await createUser({ roles: ['reviewer'], totp: true }), await createUser({ roles: ['reviewer'], totp: true })];
  const checklist = { sourceIdentified: true, technicalEvidence: true, corroborated: true, riskConsidered: true };
  for (const a of accounts) {
    const review = await Review.create({ incident: incident._id, round: 1, reviewer: a.user._id, decision: 'approve', checklist, at: new Date() });
    await numberReview(incident._id, review._id);
    await takeApprovalSlot(incident._id, 1, String(a.user._id));
  }
  return { incident, accounts };
}

describe('acts interrupted by a crash between their claim and their write', () => {
  afterEach(closeApps);

  it('when a report change was claimed by a request that died, then the claim refuses while fresh and is taken over once stale, by one of 50 requests sent at once', async () => {
    const { app } = makeApp();
    await postReport(agent(app));
    const reviewer = await signedInAs(app, ['reviewer']);
    const token = await csrfFrom(reviewer, `/reports/${R1}`);
    await leftover(`report:${R1}:rev:0`, new Date());
    expect((await reviewer.post(`/reports/${R1}/triage`).type('form').send({ _csrf: token })).status).to.equal(409);
    await Claim.updateOne({ _id: `report:${R1}:rev:0` }, { $set: { at: staleAt() } });
    const results = await Promise.all(Array.from({ length: 50 }, () => reviewer.post(`/reports/${R1}/triage`).type('form').send({ _csrf: token })));
    // Each is answered "triaged" (a report already triaged stays so) or "changed meanwhile"; one change is made.
    expect(results.filter((r) => r.status !== 302 && r.status !== 409)).to.deep.equal([]);
    const report = (await Report.findOne({ ref: R1 }).lean())!;
    expect(report.status).to.equal('triaged');
    expect(report.revision).to.equal(1);
    expect(await AuditEvent.countDocuments({ action: 'report.triaged', 'subject.id': R1 })).to.equal(1);
  });

  it('when two approvals are on record but the request that won the round died before verifying, then the second reviewer approving again completes it (recorded once)', async () => {
    const { app } = makeApp();
    const { incident, accounts } = await twoApprovalsOnRecord('Interrupted verification');
    await leftover(`incident:${String(incident._id)}:round:1:closed`);
    const second = agent(app);
    await signIn(second, accounts[1]!);
    const token = await csrfFrom(second, `/incidents/${incident.ref}`);
    const res = await second.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: token, decision: 'approve', sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' });
    expect(res.status).to.equal(302);
    const stored = (await Incident.findById(incident._id).lean())!;
    expect(stored.verification?.status).to.equal('verified');
    expect(stored.published).to.equal(true);
    expect(await Review.countDocuments({ incident: incident._id })).to.equal(2);
    expect(await AuditEvent.countDocuments({ action: 'incident.verified', 'subject.id': incident.ref })).to.equal(1);
    expect((await agent(app).get('/incidents')).text).to.include('Interrupted verification');
    // Sent once more: already decided, refused (back on the incident with the reason), nothing recorded.
    const again = await second.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: token, decision: 'approve', sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' });
    expect(again.status).to.equal(303);
    expect(again.headers.location).to.equal(`/incidents/${incident.ref}`);
    expect(await AuditEvent.countDocuments({ action: 'incident.verified', 'subject.id': incident.ref })).to.equal(1);
  });

  it('when the app restarted on its own engine after the request that won the round died, then the approval sent again completes at once, without waiting for the claim to go stale', async () => {
    const { app } = makeApp();
    const { incident, accounts } = await twoApprovalsOnRecord('Verification cut by a restart');
    // Taken a second ago by the request that died.
    await leftover(`incident:${String(incident._id)}:round:1:closed`, new Date(Date.now() - 1_000));
    const second = agent(app);
    await signIn(second, accounts[1]!);
    const token = await csrfFrom(second, `/incidents/${incident.ref}`);
    const approve = () => second.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: token, decision: 'approve', sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' });
    // While its holder may still be running, the claim is respected.
    expect((await approve()).status).to.equal(303);
    expect((await Incident.findById(incident._id).lean())!.verification?.status).to.equal('in-review');
    // What npm start does when it owns the engine (server.ts), and the engine supervisor after a restart.
    claimHoldersGone();
    expect((await approve()).status).to.equal(302);
    expect((await Incident.findById(incident._id).lean())!.verification?.status).to.equal('verified');
    expect(await AuditEvent.countDocuments({ action: 'incident.verified', 'subject.id': incident.ref })).to.equal(1);
  });

  it('when a retraction died after its claim, then the incident is still retractable (not left published forever)', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'verified', title: 'Retract me' });
    await leftover(`incident:${String(incident._id)}:retracted`);
    const reviewer = await signedInAs(app, ['reviewer']);
    const token = await csrfFrom(reviewer, `/incidents/${incident.ref}`);
    await reviewer.post(`/incidents/${incident.ref}/retract`).type('form').send({ _csrf: token, reason: 'The traces were misread.' });
    expect((await Incident.findById(incident._id).lean())!.verification?.status).to.equal('retracted');
    expect((await agent(app).get(`/incidents/${incident.ref}`)).status).to.equal(410);
  });

  it('when a submission for review died after its claim, then the incident can be submitted', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'draft' });
    await leftover(`incident:${String(incident._id)}:round:1:submitted`);
    const reviewer = await signedInAs(app, ['reviewer']);
    const token = await csrfFrom(reviewer, `/incidents/${incident.ref}`);
    expect((await reviewer.post(`/incidents/${incident.ref}/submit`).type('form').send({ _csrf: token })).status).to.equal(302);
    expect((await Incident.findById(incident._id).lean())!.verification?.status).to.equal('in-review');
  });

  it('when an API token revocation died after its claim, then revoking again really revokes it', async () => {
    const { app } = makeApp();
    const owner = await signedInAs(app, ['policymaker']);
    const csrf = await csrfFrom(owner, '/account/tokens');
    const created = await owner.get(String((await owner.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'leaked' })).headers.location));
    const plain = /(sit_[A-Za-z0-9_-]{43})/.exec(created.text)![1]!;
    const record = (await ApiToken.findOne({}).lean())!;
    await leftover(`api-token:${String(record._id)}:revoked`);
    expect((await agent(app).get('/api/v1/vendors').set('Authorization', `Bearer ${plain}`)).status).to.equal(200);
    await owner.post(`/account/tokens/${String(record._id)}/revoke`).type('form').send({ _csrf: csrf });
    expect((await agent(app).get('/api/v1/vendors').set('Authorization', `Bearer ${plain}`)).status).to.equal(401);
    expect(await AuditEvent.countDocuments({ action: 'api.token.revoke' })).to.equal(1);
  });

  it('when a password change died after its claim, then the password can still be changed', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    const hash = (await User.findById(account.user._id).lean())!.passwordHash;
    await leftover(`user:${account.user.id}:password:${createHash('sha256').update(hash).digest('hex').slice(0, 32)}:rev:0`);
    const token = await csrfFrom(a, '/account/password');
    const res = await a.post('/account/password').type('form').send({ _csrf: token, currentPassword: account.password, newPassword: 'a brand new passphrase for this' });
    expect(res.status).to.equal(302);
    expect(await verifyPassword('a brand new passphrase for this', (await User.findById(account.user._id).lean())!.passwordHash)).to.equal(true);
  });
});
