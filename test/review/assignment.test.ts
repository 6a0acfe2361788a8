import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { Notification } from '../../src/notifications/model.js';
import { Report } from '../../src/reports/model.js';
import { StaffNote } from '../../src/review/notes.js';
import { agent, closeApps, csrfFrom, makeApp, type Agent } from '../helpers/app.js';
import { createIncident, createUser, signIn } from '../helpers/factories.js';
import { postReport, reportForm } from '../helpers/reports.js';

async function reviewer(app: Parameters<typeof agent>[0], name: string) {
  const account = await createUser({ roles: ['reviewer'], totp: true, name });
  const a = agent(app);
  await signIn(a, account);
  return { a, account };
}

async function post(a: Agent, url: string, page: string, fields: Record<string, unknown> = {}) {
  const token = await csrfFrom(a, page);
  return a.post(url).type('form').send({ _csrf: token, ...fields }).set('Accept-Language', 'en');
}

describe('review: who holds a report, internal notes, bulk triage', () => {
  afterEach(closeApps);

  it('when a reviewer takes a report and gives it to another, then the queue shows who holds what and filters by it, and the one given it is told', async () => {
    const { app } = makeApp();
    await postReport(agent(app), reportForm({ title: 'Held report' }));
    await postReport(agent(app), reportForm({ title: 'Free report' }));
    const [held] = await Report.find({}).sort({ ref: 1 }).lean();
    const amal = await reviewer(app, 'Amal Reviewer');
    const badr = await reviewer(app, 'Badr Reviewer');
    expect((await post(amal.a, `/reports/${held!.ref}/take`, `/reports/${held!.ref}`)).status).to.equal(303);
    // Badr cannot take what Amal holds (a stale page): told so, nothing changes.
    const refused = await post(badr.a, `/reports/${held!.ref}/take`, `/reports/${held!.ref}`);
    expect(refused.status).to.equal(409);
    expect(refused.text).to.include('Another reviewer took this report meanwhile');
    expect(String((await Report.findById(held!._id).lean())!.assignee)).to.equal(amal.account.user.id);
    const mine = (await amal.a.get('/review?holder=me').set('Accept-Language', 'en')).text;
    expect(mine).to.include('Held report').and.not.include('Free report');
    expect((await amal.a.get('/review?holder=none').set('Accept-Language', 'en')).text).to.include('Free report').and.not.include('Held report');
    // Amal gives it to Badr: Badr is told, and holds it.
    expect((await post(amal.a, `/reports/${held!.ref}/assign`, `/reports/${held!.ref}`, { assignee: badr.account.user.id })).status).to.equal(303);
    expect(await Notification.countDocuments({ user: badr.account.user._id, kind: 'report.assigned', ref: held!.ref })).to.equal(1);
    const queue = (await badr.a.get('/review').set('Accept-Language', 'en')).text;
    expect(queue).to.match(/Held report<\/td>[\s\S]*?<td>You<\/td>/);
    expect((await badr.a.get(`/reports/${held!.ref}`).set('Accept-Language', 'en')).text).to.include('You hold this report.');
    expect(await AuditEvent.countDocuments({ action: 'report.assigned', 'subject.id': held!.ref })).to.equal(2);
    // Giving it to someone who is not a reviewer is refused by the field.
    const researcher = await createUser({});
    expect((await post(badr.a, `/reports/${held!.ref}/assign`, `/reports/${held!.ref}`, { assignee: researcher.user.id })).status).to.equal(422);
  });

  it('when a reviewer writes internal notes, then staff see them on the report and the incident, the submitter and the public never do, and the audit keeps no text', async () => {
    const { app } = makeApp();
    const owner = await createUser({});
    const r = agent(app);
    await signIn(r, owner);
    await postReport(r, reportForm());
    const report = (await Report.findOne({}).lean())!;
    const { a } = await reviewer(app, 'Noting Reviewer');
    expect((await post(a, `/reports/${report.ref}/notes`, `/reports/${report.ref}`, { note: 'CANARY-NOTE: check the second phone' })).status).to.equal(303);
    expect((await post(a, `/reports/${report.ref}/notes`, `/reports/${report.ref}`, { note: '   ' })).status).to.equal(422);
    expect(await StaffNote.countDocuments({})).to.equal(1);
    expect((await a.get(`/reports/${report.ref}`)).text).to.include('CANARY-NOTE: check the second phone');
    expect((await r.get(`/reports/${report.ref}`)).text).to.not.include('CANARY-NOTE');
    const incident = await createIncident({ status: 'verified', title: 'Noted incident' });
    expect((await post(a, `/incidents/${incident.ref}/notes`, `/incidents/${incident.ref}`, { note: 'CANARY-INCIDENT-NOTE' })).status).to.equal(303);
    expect((await a.get(`/incidents/${incident.ref}`)).text).to.include('CANARY-INCIDENT-NOTE');
    expect((await agent(app).get(`/incidents/${incident.ref}`)).text).to.not.include('CANARY-INCIDENT-NOTE');
    const audited = await AuditEvent.find({ action: 'note.added' }).lean();
    expect(audited).to.have.length(2);
    expect(JSON.stringify(audited)).to.not.include('CANARY');
    expect((await post(r, `/reports/${report.ref}/notes`, `/reports/${report.ref}`, { note: 'researcher note' })).status).to.equal(403);
  });

  it('when a reviewer triages several reports at once, then each new one is triaged and the others are counted as skipped', async () => {
    const { app } = makeApp();
    for (let i = 0; i < 3; i++) await postReport(agent(app), reportForm({ title: `Bulk ${i}` }));
    const reports = await Report.find({}).sort({ ref: 1 }).lean();
    const { a } = await reviewer(app, 'Bulk Reviewer');
    expect((await post(a, `/reports/${reports[0]!.ref}/triage`, `/reports/${reports[0]!.ref}`)).status).to.equal(302);
    const res = await post(a, '/review/triage', '/review', { refs: reports.map((r) => r.ref) });
    expect(res.status).to.equal(303);
    expect((await a.get('/review').set('Accept-Language', 'en')).text).to.include('Triaged: 2; skipped (changed meanwhile or not new): 1.');
    expect((await Report.find({}).lean()).map((r) => r.status)).to.deep.equal(['triaged', 'triaged', 'triaged']);
    expect(await AuditEvent.countDocuments({ action: 'report.triaged' })).to.equal(3);
  });
});
