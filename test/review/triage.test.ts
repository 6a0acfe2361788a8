import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { Incident } from '../../src/incidents/model.js';
import { Report } from '../../src/reports/model.js';
import { QueuedReport } from '../../src/reports/queue.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createIncident, createUser, signIn } from '../helpers/factories.js';
import { postReport, reportForm } from '../helpers/reports.js';

const year = new Date().getUTCFullYear();
const R1 = `R-${year}-00001`;

async function reviewerAgent(app: Parameters<typeof agent>[0], roles: ('reviewer' | 'admin')[] = ['reviewer']) {
  const account = await createUser({ roles, totp: true });
  const a = agent(app);
  await signIn(a, account);
  return { a, account };
}

describe('review: triage of reports', () => {
  afterEach(closeApps);

  it('when a reviewer opens /review, then open reports are listed oldest first', async () => {
    const { app } = makeApp();
    await postReport(agent(app), reportForm({ title: 'First report' }));
    await postReport(agent(app), reportForm({ title: 'Second report' }));
    const { a } = await reviewerAgent(app);
    const page = await a.get('/review');
    expect(page.status).to.equal(200);
    expect(page.text.indexOf('First report')).to.be.lessThan(page.text.indexOf('Second report'));
  });

  it("when reports are sent anonymously and from an account, then each queue row says which, with its status and age, and none of a report's texts beyond its title", async () => {
    const { app } = makeApp();
    await postReport(agent(app), reportForm({ title: 'Sent without an account', narrative: 'NARRATIVE-ANONYMOUS' }));
    const researcher = agent(app);
    await signIn(researcher, await createUser({ roles: ['researcher'] }));
    await postReport(researcher, reportForm({ title: 'Sent from an account', narrative: 'NARRATIVE-ACCOUNT' }));
    // Sent three days ago: the report and its queue row.
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    await Report.updateOne({ ref: R1 }, { $set: { submittedAt: threeDaysAgo } });
    await QueuedReport.updateOne({ ref: R1 }, { $set: { submittedAt: threeDaysAgo } });
    const { a } = await reviewerAgent(app);
    const page = (await a.get('/review')).text;
    const row = (title: string) => new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*${title}(?:(?!</tr>)[\\s\\S])*</tr>`).exec(page)?.[0] ?? '';
    expect(row('Sent without an account')).to.include('>Anonymous<').and.include('3 days').and.include('badge-report-submitted');
    expect(row('Sent from an account')).to.include('>Account<').and.include('badge-report-submitted');
    expect(page).not.to.match(/NARRATIVE-|CANARY-/);
    // The researcher's own list shows theirs only, from the same fields.
    const mine = (await researcher.get('/reports')).text;
    expect(mine).to.include('Sent from an account').and.not.include('Sent without an account');
  });

  it('when the queue was just viewed and staff work goes on elsewhere, then a report sent or closed since shows on the next view at once', async () => {
    const { app } = makeApp();
    await postReport(agent(app), reportForm({ title: 'Waiting report' }));
    const { a } = await reviewerAgent(app);
    expect((await a.get('/review')).text).to.include('Waiting report');
    // Other staff writes (an incident, a claim) keep the queue as it was read; report writes do not.
    await createIncident({ status: 'draft' });
    await postReport(agent(app), reportForm({ title: 'Report sent just now' }));
    expect((await a.get('/review')).text).to.include('Waiting report').and.include('Report sent just now');
    // Any write to the queue's rows shows, whoever sends it (here the database directly).
    await QueuedReport.updateOne({ ref: R1 }, { $set: { title: 'Waiting report, retitled' } });
    expect((await a.get('/review')).text).to.include('Waiting report, retitled');
    const token = await csrfFrom(a, `/reports/${R1}`);
    expect((await a.post(`/reports/${R1}/reject`).type('form').send({ _csrf: token, reason: 'Outside our scope.' })).status).to.equal(302);
    const after = (await a.get('/review')).text;
    expect(after).not.to.include('Waiting report');
    expect(after).to.include('Report sent just now');
  });

  it('when a reviewer reveals the protected fields, then they are shown on that page only and the read is audited', async () => {
    const { app } = makeApp();
    await postReport(agent(app));
    const { a, account } = await reviewerAgent(app);
    const page = await a.get(`/reports/${R1}`);
    expect(page.text).not.to.include('CANARY-IDENTITY');
    const token = await csrfFrom(a, `/reports/${R1}`);
    const revealed = await a.post(`/reports/${R1}/reveal`).type('form').send({ _csrf: token });
    expect(revealed.status).to.equal(200);
    expect(revealed.text).to.include('CANARY-IDENTITY-Jane Doe');
    expect(revealed.text).to.include('CANARY-SUBMITTER-signal:+100000');
    expect(revealed.headers['cache-control']).to.equal('no-store');
    const event = await AuditEvent.findOne({ action: 'report.identity.revealed' }).lean();
    expect(event?.actor?.id).to.equal(account.user.id);
    expect(event?.subject?.id).to.equal(R1);
    expect(JSON.stringify(event)).not.to.include('CANARY');
    expect((await a.get(`/reports/${R1}`)).text).not.to.include('CANARY-IDENTITY');
  });

  for (const roles of [['researcher'], ['policymaker']] as const) {
    it(`when a ${roles[0]} who did not submit it asks, then the report is 404 and reveal is 403`, async () => {
      const { app } = makeApp();
      await postReport(agent(app));
      const account = await createUser({ roles: [...roles] });
      const a = agent(app);
      await signIn(a, account);
      expect((await a.get(`/reports/${R1}`)).status).to.equal(404);
      const token = await csrfFrom(a, '/account');
      const res = await a.post(`/reports/${R1}/reveal`).type('form').send({ _csrf: token });
      expect(res.status).to.equal(403);
      expect(res.text).not.to.include('CANARY');
      expect(await AuditEvent.countDocuments({ action: 'report.identity.revealed' })).to.equal(0);
    });
  }

  it('when the submitter looks at their own report, then they see it without any reveal action', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    await postReport(a);
    const page = await a.get(`/reports/${R1}`);
    expect(page.status).to.equal(200);
    expect(page.text).not.to.include('/reveal');
    expect(page.text).not.to.include('CANARY-IDENTITY');
  });

  it('when a reviewer rejects with a reason, then the report is closed and the submitter sees the reason', async () => {
    const { app } = makeApp();
    const submitter = await createUser();
    const s = agent(app);
    await signIn(s, submitter);
    await postReport(s);
    const { a } = await reviewerAgent(app);
    const token = await csrfFrom(a, `/reports/${R1}`);
    expect((await a.post(`/reports/${R1}/reject`).type('form').send({ _csrf: token, reason: '' })).status).to.equal(422);
    expect((await Report.findOne({}).lean())!.status).to.equal('submitted');
    await a.post(`/reports/${R1}/reject`).type('form').send({ _csrf: token, reason: 'Outside our scope.' });
    expect((await Report.findOne({}).lean())!.status).to.equal('rejected');
    expect((await s.get(`/reports/${R1}`)).text).to.include('Outside our scope.');
    expect((await a.post(`/reports/${R1}/triage`).type('form').send({ _csrf: token })).status).to.equal(409);
  });

  it('when a reviewer creates an incident from a report, then a draft incident carries its facts (not identities) and the report is linked', async () => {
    const { app } = makeApp();
    await postReport(agent(app));
    const { a } = await reviewerAgent(app);
    const token = await csrfFrom(a, `/reports/${R1}`);
    const res = await a.post(`/reports/${R1}/incident`).type('form').send({ _csrf: token });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/incidents/I-${year}-00001/edit`);
    const incident = (await Incident.findOne({}).lean())!;
    expect(incident.verification?.status).to.equal('draft');
    expect(incident.visibility).to.equal('restricted');
    expect(incident.targets).to.deep.equal([{ category: 'journalist', pseudonym: 'Journalist A', consentToPublish: false }]);
    expect(JSON.stringify(incident)).not.to.include('kid');
    const report = (await Report.findOne({}).lean())!;
    expect(report.status).to.equal('linked');
    expect(String(report.linkedIncident)).to.equal(String(incident._id));
    expect((await a.get(`/incidents/I-${year}-00001/edit`)).status).to.equal(200);
  });

  it('when reports share a source URL or an indicator, then each is flagged as a possible duplicate of the other', async () => {
    const { app } = makeApp();
    await postReport(agent(app));
    await postReport(agent(app), reportForm({ title: 'Same source', 'indicators[0][value]': 'other.example' }));
    await postReport(agent(app), reportForm({ title: 'Same indicator', 'sources[0][url]': 'https://elsewhere.example/x' }));
    await postReport(agent(app), reportForm({ title: 'Unrelated', 'sources[0][url]': 'https://third.example/', 'indicators[0][value]': 'third.example', country: 'FR' }));
    const { a } = await reviewerAgent(app);
    const page = await a.get(`/reports/${R1}`);
    expect(page.text).to.match(/R-\d{4}-00002<\/a> Same source/);
    expect(page.text).to.match(/R-\d{4}-00003<\/a> Same indicator/);
    expect(page.text).not.to.match(/R-\d{4}-00004<\/a>/);
  });

  it('when a reviewer links a report to an existing incident, then both sides record it; an unknown reference is 422', async () => {
    const { app } = makeApp();
    await postReport(agent(app));
    const incident = await createIncident({ status: 'draft' });
    const { a } = await reviewerAgent(app);
    const token = await csrfFrom(a, `/reports/${R1}`);
    expect((await a.post(`/reports/${R1}/link`).type('form').send({ _csrf: token, incident: 'I-1999-00001' })).status).to.equal(422);
    const res = await a.post(`/reports/${R1}/link`).type('form').send({ _csrf: token, incident: incident.ref });
    expect(res.headers.location).to.equal(`/incidents/${incident.ref}`);
    const report = (await Report.findOne({}).lean())!;
    expect(report.status).to.equal('linked');
    expect((await Incident.findById(incident._id).lean())!.reports.map(String)).to.deep.equal([String(report._id)]);
  });
});
