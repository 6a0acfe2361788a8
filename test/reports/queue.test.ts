import { expect } from 'chai';
import mongoose from 'mongoose';
import { userActor } from '../../src/audit/index.js';
import { releaseClaim } from '../../src/db/claims.js';
import { Report } from '../../src/reports/model.js';
import { forgetQueueBuilt, keepQueued, QueuedReport, rebuildReportQueue, reviewQueue } from '../../src/reports/queue.js';
import { answerQuestion, assignReport, findReport, markLinked, rejectReport, requestInformation, triageReport } from '../../src/reports/service.js';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { createIncident, createUser, signedInAs } from '../helpers/factories.js';
import { postReport, reportForm } from '../helpers/reports.js';

/** What the queue shows of each open report, from its rows: reference, status and holder. */
async function rows(): Promise<string[]> {
  return (await reviewQueue()).map((r) => `${r.ref} ${r.status} ${r.assignee ? String(r.assignee) : '-'}`);
}

/** The same, read from the reports themselves: what the rows must always say. */
async function fromReports(): Promise<string[]> {
  return (await Report.find({ status: mongoose.trusted({ $in: ['submitted', 'triaged', 'needs-info'] }) } as never).sort({ submittedAt: 1 }).lean()).map((r) => `${r.ref} ${r.status} ${r.assignee ? String(r.assignee) : '-'}`);
}

/**
 * The reviewers' queue reads its own rows (reports/queue.ts), written by every write of a report:
 * they must say what the open reports say after each act, and a start must mend what a stop cut short.
 */
describe('the report queue: rows kept by every write of a report', () => {
  afterEach(closeApps);

  it('when reports are submitted, triaged, asked about, answered, taken, given, released, rejected and linked, then after each act the queue says what the open reports say', async () => {
    const { app } = makeApp();
    const submitter = await signedInAs(app, ['researcher']);
    await postReport(submitter, reportForm({ title: 'First' }));
    await postReport(agent(app), reportForm({ title: 'Second' }));
    await postReport(agent(app), reportForm({ title: 'Third' }));
    const { user: reviewer } = await createUser({ roles: ['reviewer'], totp: true, name: 'Reviewer One' });
    const { user: other } = await createUser({ roles: ['reviewer'], totp: true, name: 'Reviewer Two' });
    const actor = userActor({ id: String(reviewer._id), roles: ['reviewer'] });
    const report = async (ref: string) => (await findReport(ref))!;
    const steps: [string, () => Promise<unknown>][] = [
      ['triaged', async () => triageReport(actor, await report('R-2026-00001'))],
      ['asked', async () => requestInformation(actor, await report('R-2026-00001'), 'Which phone?')],
      ['answered', async () => answerQuestion(userActor({ id: (await Report.findOne({ ref: 'R-2026-00001' }).lean())!.submitter!.user!.toString() }), await report('R-2026-00001'), 'An iPhone.')],
      ['taken', async () => assignReport(actor, await report('R-2026-00002'), String(reviewer._id), 'take')],
      ['given', async () => assignReport(actor, await report('R-2026-00002'), String(other._id), 'give')],
      ['released', async () => assignReport(actor, await report('R-2026-00002'), null, 'release')],
      ['taken again', async () => assignReport(actor, await report('R-2026-00003'), String(reviewer._id), 'take')],
      ['rejected', async () => rejectReport(actor, await report('R-2026-00002'), 'Out of scope.')],
      ['linked', async () => markLinked(actor, await report('R-2026-00003'), await createIncident({ status: 'draft' }))],
    ];
    expect(await rows()).to.deep.equal(await fromReports());
    expect(await rows()).to.have.length(3);
    for (const [name, act] of steps) {
      await act();
      expect(await rows(), `after "${name}"`).to.deep.equal(await fromReports());
    }
    expect(await rows()).to.deep.equal([`R-2026-00001 triaged -`]);
    expect(await QueuedReport.countDocuments({}), 'closed reports have no row').to.equal(1);
  });

  it('when reports are sent anonymously and from an account, then their queue rows hold what the queue shows and nothing of the submitter beyond whether they have an account', async () => {
    const { app } = makeApp();
    await postReport(agent(app), reportForm({ title: 'Sent anonymously', contact: 'CANARY-CONTACT' }));
    await postReport(await signedInAs(app, ['researcher']), reportForm({ title: 'Sent from an account', contact: 'CANARY-CONTACT' }));
    const [anonymous, fromAccount] = await QueuedReport.find({}).sort({ ref: 1 }).lean();
    expect(Object.keys(anonymous!).sort()).to.deep.equal(['_id', 'country', 'ref', 'status', 'submittedAt', 'title', 'version']);
    expect(Object.keys(fromAccount!.submitter!)).to.deep.equal(['user']);
    expect(JSON.stringify([anonymous, fromAccount])).not.to.include('CANARY').and.not.to.include('receipt').and.not.to.include('narrative');
  });

  it('when rows are missing or stale (a stop between a report\'s write and its row\'s), then until a first rebuild the queue reads the reports, and the rebuild at start mends the rows', async () => {
    const { app } = makeApp();
    await postReport(agent(app), reportForm({ title: 'Its row was lost' }));
    await postReport(agent(app), reportForm({ title: 'Closed, its row left behind' }));
    await postReport(agent(app), reportForm({ title: 'Untouched' }));
    const lost = (await Report.findOne({ ref: 'R-2026-00001' }).lean())!;
    const closed = (await Report.findOne({ ref: 'R-2026-00002' }).lean())!;
    await QueuedReport.deleteOne({ _id: lost._id });
    await Report.updateOne({ _id: closed._id }, { $set: { status: 'rejected', revision: 1 } });

    // A database whose rows were never completed (an upgrade): the queue reads the reports.
    await releaseClaim('report-queue:built');
    forgetQueueBuilt();
    expect((await rows()).map((r) => r.split(' ')[0])).to.deep.equal(['R-2026-00001', 'R-2026-00003']);

    expect(await rebuildReportQueue()).to.deep.equal({ open: 2, written: 1, dropped: 1 });
    expect(await rows()).to.deep.equal(await fromReports());
    expect((await QueuedReport.find({}).lean()).map((r) => r.ref).sort()).to.deep.equal(['R-2026-00001', 'R-2026-00003']);
  });

  it('when writes of one report arrive out of order (two processes), then the row of the newer report stands', async () => {
    const { app } = makeApp();
    await postReport(agent(app), reportForm({ title: 'Written twice' }));
    const report = (await Report.findOne({}).lean())!;
    const { user: reviewer } = await createUser({ roles: ['reviewer'] });
    await keepQueued([{ ...report, status: 'triaged', assignee: reviewer._id, revision: 1, assignmentRevision: 1 }]);
    await keepQueued([{ ...report, status: 'submitted', revision: 1, assignmentRevision: 0 }]);
    expect(await rows()).to.deep.equal([`${report.ref} triaged ${String(reviewer._id)}`]);
  });
});
