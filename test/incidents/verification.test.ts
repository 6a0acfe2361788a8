import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { Incident } from '../../src/incidents/model.js';
import { Report } from '../../src/reports/model.js';
import { agent, closeApps, csrfFrom, makeApp, type Agent } from '../helpers/app.js';
import { createEntities, createIncident, createUser, signIn } from '../helpers/factories.js';
import { postReport } from '../helpers/reports.js';

const checklist = { sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' };

async function reviewer(app: Parameters<typeof agent>[0]): Promise<{ a: Agent; id: string }> {
  const account = await createUser({ roles: ['reviewer'], totp: true });
  const a = agent(app);
  await signIn(a, account);
  return { a, id: account.user.id };
}

async function review(a: Agent, ref: string, fields: Record<string, string>) {
  const token = await csrfFrom(a, `/incidents/${ref}`);
  return a.post(`/incidents/${ref}/reviews`).type('form').send({ _csrf: token, ...fields });
}

async function statusOf(ref: string) {
  return (await Incident.findOne({ ref }).lean())!.verification!.status;
}

describe('two-person verification', () => {
  afterEach(closeApps);

  it('when two different reviewers approve with the checklist, then the incident is verified, published and audited', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review', title: 'Two approvals' });
    const first = await reviewer(app);
    const second = await reviewer(app);
    expect((await review(first.a, incident.ref, { decision: 'approve', ...checklist })).status).to.equal(302);
    expect(await statusOf(incident.ref)).to.equal('in-review');
    expect((await agent(app).get('/incidents')).text).not.to.include('Two approvals');
    expect((await review(second.a, incident.ref, { decision: 'approve', ...checklist })).status).to.equal(302);
    const stored = (await Incident.findOne({ ref: incident.ref }).lean())!;
    expect(stored.verification?.status).to.equal('verified');
    expect(stored.published).to.equal(true);
    expect((await agent(app).get('/incidents')).text).to.include('Two approvals');
    const verified = await AuditEvent.findOne({ action: 'incident.verified', 'subject.id': incident.ref }).lean();
    expect((verified?.details as { approvers: string[] }).approvers.sort()).to.deep.equal([first.id, second.id].sort());
  });

  it('when the same reviewer approves twice, then the form is no longer offered, the second is refused back on the incident with the reason, and the incident stays in review', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review' });
    const only = await reviewer(app);
    expect((await review(only.a, incident.ref, { decision: 'approve', ...checklist })).status).to.equal(302);
    const page = (await only.a.get(`/incidents/${incident.ref}`).set('Accept-Language', 'en')).text;
    expect(page).to.include('You approved this incident in this round');
    expect(page).to.not.include(`action="/incidents/${incident.ref}/reviews"`);
    // A second approval sent anyway (an old tab): back to the incident, told why, not a dead end.
    const again = await review(only.a, incident.ref, { decision: 'approve', ...checklist });
    expect(again.status).to.equal(303);
    expect(again.headers.location).to.equal(`/incidents/${incident.ref}`);
    expect((await only.a.get(`/incidents/${incident.ref}`).set('Accept-Language', 'en')).text).to.include('second approval must come from another reviewer');
    expect(await statusOf(incident.ref)).to.equal('in-review');
  });

  it('when the same reviewer approves twice at the same moment, then only one approval counts', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review' });
    const only = await reviewer(app);
    const token = await csrfFrom(only.a, `/incidents/${incident.ref}`);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => only.a.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: token, decision: 'approve', ...checklist })),
    );
    expect(results.filter((r) => r.status === 302)).to.have.length(1);
    expect(await statusOf(incident.ref)).to.equal('in-review');
  });

  it('when the submitter of a linked report reviews, then 403 and no review is recorded', async () => {
    const { app } = makeApp();
    const submitter = await createUser({ roles: ['reviewer'], totp: true });
    const s = agent(app);
    await signIn(s, submitter);
    await postReport(s);
    const report = (await Report.findOne({}))!;
    const incident = await createIncident({ status: 'in-review', reports: [report._id] });
    const res = await review(s, incident.ref, { decision: 'approve', ...checklist });
    expect(res.status).to.equal(403);
    expect(res.text).to.include('linked to this incident');
    expect(await AuditEvent.countDocuments({ action: 'incident.review.approve' })).to.equal(0);
  });

  it('when an approval lacks a checklist item, then 422 by the item and nothing is recorded', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review' });
    const r = await reviewer(app);
    const res = await review(r.a, incident.ref, { decision: 'approve', sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes' });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('Every checklist item must be confirmed');
    expect(await AuditEvent.countDocuments({ action: 'incident.review.approve' })).to.equal(0);
  });

  it('when one reviewer approves and another rejects, then the incident is disputed and the earlier approval no longer counts', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review' });
    const first = await reviewer(app);
    const second = await reviewer(app);
    const third = await reviewer(app);
    await review(first.a, incident.ref, { decision: 'approve', ...checklist });
    await review(second.a, incident.ref, { decision: 'reject', note: 'Attribution not supported.' });
    expect(await statusOf(incident.ref)).to.equal('disputed');
    // Back in review: one new approval (plus the stale one from the first round) is not enough.
    const token = await csrfFrom(first.a, `/incidents/${incident.ref}`);
    await first.a.post(`/incidents/${incident.ref}/submit`).type('form').send({ _csrf: token });
    expect(await statusOf(incident.ref)).to.equal('in-review');
    await review(third.a, incident.ref, { decision: 'approve', ...checklist });
    expect(await statusOf(incident.ref)).to.equal('in-review');
    await review(first.a, incident.ref, { decision: 'approve', ...checklist });
    expect(await statusOf(incident.ref)).to.equal('verified');
  });

  it('when changes are requested, then the incident goes back to draft', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review' });
    const r = await reviewer(app);
    await review(r.a, incident.ref, { decision: 'request-changes', note: 'Add a second source.' });
    expect(await statusOf(incident.ref)).to.equal('draft');
  });

  it('when a verified incident gets a substantive edit, then it returns to review, leaves public pages, and the page says why', async () => {
    const { app } = makeApp();
    const { product } = await createEntities();
    const incident = await createIncident({ status: 'verified', title: 'Published then edited', productId: product._id });
    expect((await agent(app).get('/incidents')).text).to.include('Published then edited');
    const r = await reviewer(app);
    const edit = await r.a.get(`/incidents/${incident.ref}/edit`);
    const token = /name="_csrf" value="([^"]+)"/.exec(edit.text)![1]!;
    const fields = {
      _csrf: token, title: 'Published then edited', summary: 'What happened.', 'dates[from]': '2021-07', 'dates[to]': '', countries: 'MA', visibility: 'public',
      'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'Journalist A', 'targets[0][consent]': 'no',
      'attributions[0][kind]': 'product', 'attributions[0][product]': String(product._id), 'attributions[0][confidence]': 'medium', 'attributions[0][basis]': 'Forensic traces.', 'attributions[0][sources]': '1',
      'sources[0][kind]': 'forensic-report', 'sources[0][url]': 'https://example.org/report', 'sources[0][title]': 'A forensic report', 'sources[0][publisher]': 'A Lab', 'sources[0][date]': '2021-07-18',
      responses: '',
    };
    // A wording change to the summary is not substantive: still verified.
    const reworded = await r.a.post(`/incidents/${incident.ref}`).type('form').send({ ...fields, 'attributions[0][confidence]': 'high', summary: 'What happened, reworded.' });
    expect(reworded.status).to.equal(302);
    expect(await statusOf(incident.ref)).to.equal('verified');
    // Lowering the confidence of an attribution is.
    expect((await r.a.post(`/incidents/${incident.ref}`).type('form').send(fields)).status).to.equal(302);
    const stored = (await Incident.findOne({ ref: incident.ref }).lean())!;
    expect(stored.verification?.status).to.equal('in-review');
    expect(stored.verification?.round).to.equal(2);
    expect(stored.published).to.equal(false);
    expect((await agent(app).get('/incidents')).text).not.to.include('Published then edited');
    expect((await r.a.get(`/incidents/${incident.ref}`)).text).to.include('Returned to review after a change to: attributions');
    expect(await AuditEvent.countDocuments({ action: 'incident.reopened', 'subject.id': incident.ref })).to.equal(1);
  });

  it('when an administrator without the reviewer role tries to verify, then 403', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review' });
    const admin = await createUser({ roles: ['admin'], totp: true });
    const a = agent(app);
    await signIn(a, admin);
    expect((await review(a, incident.ref, { decision: 'approve', ...checklist })).status).to.equal(403);
  });

  it('when an incident is retracted, then it leaves lists, its public address states the reason (410), and the record stays', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'verified', title: 'To be retracted' });
    const r = await reviewer(app);
    const token = await csrfFrom(r.a, `/incidents/${incident.ref}`);
    expect((await r.a.post(`/incidents/${incident.ref}/retract`).type('form').send({ _csrf: token, reason: '' })).status).to.equal(422);
    await r.a.post(`/incidents/${incident.ref}/retract`).type('form').send({ _csrf: token, reason: 'The forensic traces were misread.' });
    expect((await agent(app).get('/incidents')).text).not.to.include('To be retracted');
    const publicPage = await agent(app).get(`/incidents/${incident.ref}`);
    expect(publicPage.status).to.equal(410);
    expect(publicPage.text).to.include('The forensic traces were misread.');
    expect(await Incident.countDocuments({ ref: incident.ref })).to.equal(1);
    expect(await AuditEvent.countDocuments({ action: 'incident.retracted' })).to.equal(1);
  });
});
