import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { Claim } from '../../src/db/claims.js';
import { Incident } from '../../src/incidents/model.js';
import { Report, ReportMessage } from '../../src/reports/model.js';
import { QueuedReport, rebuildReportQueue } from '../../src/reports/queue.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createUser, signIn, signedInAs } from '../helpers/factories.js';
import { encodeForm, postReport, reportForm } from '../helpers/reports.js';
import { printRace, race } from '../helpers/race.js';

const WAYS = 50;
const ROUNDS = 5;

/** A fresh app with one anonymous report, and a signed-in reviewer holding a form token. */
async function reportAndReviewer() {
  const { app } = makeApp({ TRACK_ATTEMPTS_PER_MINUTE: '1000' });
  const submitted = await postReport(agent(app));
  const code = /<code>([A-Z2-7-]{39})<\/code>/.exec(submitted.text)![1]!;
  const report = (await Report.findOne({}).sort({ refSeq: -1 }).lean())!;
  const reviewer = await signedInAs(app, ['reviewer']);
  const token = await csrfFrom(reviewer, `/reports/${report.ref}`);
  return { app, report, code, reviewer, token };
}

describe('races: report transitions (50 ways at once, 5 rounds)', function () {
  this.timeout(600_000);
  afterEach(closeApps);

  it('when "create incident" is sent 50 times at once from one report, then exactly one incident exists and the report is linked to it', async () => {
    const created: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { report, reviewer, token } = await reportAndReviewer();
      const results = await Promise.all(Array.from({ length: WAYS }, () => reviewer.post(`/reports/${report.ref}/incident`).type('form').send({ _csrf: token })));
      expect(results.filter((r) => r.status !== 303 && r.status !== 409).map((r) => r.status)).to.deep.equal([]);
      const incidents = await Incident.find({ reports: report._id }).lean();
      created.push(incidents.length);
      const after = (await Report.findById(report._id).lean())!;
      expect(after.status).to.equal('linked');
      expect(String(after.linkedIncident)).to.equal(String(incidents[0]!._id));
      await Incident.deleteMany({});
    }
    printRace('create incident from one report, incidents created', WAYS, created);
    expect(created).to.deep.equal(Array(ROUNDS).fill(1));
  });

  it('when rejection and "create incident" are sent at once (25 each), then exactly one wins: never both rejected and linked', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { report, reviewer, token } = await reportAndReviewer();
      const results = await Promise.all(
        Array.from({ length: WAYS }, (_, i) =>
          i % 2 === 0
            ? reviewer.post(`/reports/${report.ref}/reject`).type('form').send({ _csrf: token, reason: 'Out of scope.' })
            : reviewer.post(`/reports/${report.ref}/incident`).type('form').send({ _csrf: token }),
        ),
      );
      expect(results.filter((r) => r.status === 302 || r.status === 303), 'one act answered as done').to.have.length(1);
      const after = (await Report.findById(report._id).lean())!;
      const incidents = await Incident.countDocuments({ reports: report._id });
      expect(incidents).to.equal(after.status === 'rejected' ? 0 : 1);
      expect(after.status).to.be.oneOf(['rejected', 'linked']);
      const closing = (await AuditEvent.find({ 'subject.id': report.ref }).lean()).filter((e) => e.action === 'report.rejected' || e.action === 'report.linked');
      expect(closing).to.have.length(1);
      expect(await QueuedReport.countDocuments({ _id: report._id }), 'a closed report leaves the queue').to.equal(0);
      outcomes.push(after.status);
      await Incident.deleteMany({});
    }
    printRace('reject vs create incident, outcome (one winner each round)', WAYS, outcomes);
    expect(outcomes.every((o) => o === 'rejected' || o === 'linked')).to.equal(true);
  });

  it('when 50 answers are sent through /track/answer at once, then every answer confirmed is stored and audited once, and the rest are told the question was already answered', async () => {
    const stored: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app, report, code, reviewer, token } = await reportAndReviewer();
      expect((await reviewer.post(`/reports/${report.ref}/request-info`).type('form').send({ _csrf: token, body: 'Which phone model?' })).status).to.equal(302);
      const visitor = agent(app);
      const trackToken = await csrfFrom(visitor, '/track');
      const results = await Promise.all(Array.from({ length: WAYS }, (_, i) => visitor.post('/track/answer').type('form').send({ _csrf: trackToken, code, body: `Answer ${i}` })));
      const confirmed = results.filter((r) => r.status === 200).length;
      // The first answers stored send the report back to the reviewers; later ones find no open question.
      expect(results.filter((r) => r.status !== 200 && r.status !== 409).map((r) => r.status)).to.deep.equal([]);
      const answers = await ReportMessage.countDocuments({ report: report._id, from: 'submitter' });
      expect(answers, 'confirmed answers are stored').to.equal(confirmed);
      expect(await AuditEvent.countDocuments({ action: 'report.answered', 'subject.id': report.ref })).to.equal(answers);
      stored.push(answers);
    }
    printRace('/track answers, confirmed = stored', WAYS, stored);
    expect(stored.every((n) => n >= 1)).to.equal(true);
  });

  it('when 50 anonymous reports are posted at once against a budget of 10 an hour, then exactly 10 are stored, every one with its receipt, and the rest get 429', async () => {
    const stored: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp({ ANONYMOUS_REPORTS_PER_HOUR: '10' });
      // A new round is a new hour for the budget: its claims (and reports) are gone.
      await Promise.all([Report.deleteMany({}), QueuedReport.deleteMany({}), Claim.deleteMany({})]);
      await rebuildReportQueue();
      const results = await race(WAYS, async () => {
        const a = agent(app);
        return { a, token: await csrfFrom(a, '/reports/new') };
      }, (p) => p.a.post('/reports').type('form').send(encodeForm({ _csrf: p.token, ...reportForm() })));
      expect(results.filter((r) => r.status !== 303 && r.status !== 429).map((r) => r.status)).to.deep.equal([]);
      const receipts = results.filter((r) => r.status === 303).length;
      const count = await Report.countDocuments({});
      expect(count, 'every stored report was answered with its receipt').to.equal(receipts);
      expect((await QueuedReport.find({}).lean()).map((r) => r.ref).sort(), 'each stored report is in the queue').to.deep.equal((await Report.find({}).lean()).map((r) => r.ref).sort());
      stored.push(count);
    }
    printRace('anonymous reports vs budget 10, stored', WAYS, stored);
    expect(stored).to.deep.equal(Array(ROUNDS).fill(10));
  });

  it('when 50 reviewers take the same report at once, then exactly one holds it and the others are told it was taken', async () => {
    // 50 sign-ins (two steps each) from one test address: above the default per-minute limit.
    const { app } = makeApp({ LOGIN_ATTEMPTS_PER_MINUTE: '1000' });
    await postReport(agent(app), reportForm());
    const report = (await Report.findOne({}).lean())!;
    const results = await race(
      50,
      async (i) => {
        const a = agent(app);
        await signIn(a, await createUser({ roles: ['reviewer'], totp: true, name: `Reviewer ${i}` }));
        return { a, token: await csrfFrom(a, `/reports/${report.ref}`) };
      },
      (p) => p.a.post(`/reports/${report.ref}/take`).type('form').send({ _csrf: p.token }),
    );
    printRace('report taken by 50 reviewers, holders', 50, [results.filter((r) => r.status === 303).length]);
    expect(results.filter((r) => r.status === 303)).to.have.length(1);
    expect(results.filter((r) => r.status !== 303 && r.status !== 409)).to.deep.equal([]);
    expect(await AuditEvent.countDocuments({ action: 'report.assigned', 'subject.id': report.ref })).to.equal(1);
    const holder = (await Report.findById(report._id).lean())!.assignee;
    expect(String((await QueuedReport.findById(report._id).lean())?.assignee), 'the queue names the one holder').to.equal(String(holder));
  });
});
