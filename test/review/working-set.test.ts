import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { recordChange } from '../../src/events/changes.js';
import { catalogue, stopWatching, watchForOtherProcesses } from '../../src/catalogue/index.js';
import { Incident } from '../../src/incidents/model.js';
import { Report } from '../../src/reports/model.js';
import { postReport } from '../helpers/reports.js';
import { Review } from '../../src/verification/model.js';
import { migrateApprovalSlotsOnce, migrateReviewNumbersOnce } from '../../src/verification/migrate.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { commandsDuring } from '../helpers/commands.js';
import { createIncident, createUser, signIn, signedInAs } from '../helpers/factories.js';

const checklist = { sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' };

/** The queue's "incidents in progress" section. */
function incidentsSection(html: string): string {
  return html.slice(html.indexOf('id="incidents-heading"'), html.indexOf('</section>', html.indexOf('id="incidents-heading"')));
}

/** The queue's "incidents in progress" rows: reference and status, in the page's order. */
function queueRows(html: string): string[] {
  return [...incidentsSection(html).matchAll(/(I-\d{4}-\d{5})<\/a>[\s\S]*?badge-status-([a-z-]+)/g)].map((m) => `${m[1]} ${m[2]}`);
}

/** The same rows as their reader sees them: reference, status and visibility in the page's language. */
function queueLabels(html: string): string[] {
  return [...incidentsSection(html).matchAll(/(I-\d{4}-\d{5})<\/a>[\s\S]*?badge-status-[a-z-]+">([^<]+)<\/span><\/td>\s*<td>([^<]+)<\/td>/g)].map((m) => `${m[1]} ${m[2]} · ${m[3]}`);
}

describe('review: the working set (incidents not public) without reading the incidents collection', () => {
  afterEach(async () => {
    await stopWatching();
    await closeApps();
  });

  it('when incidents are drafted, submitted, published and changed by another process, then the queue lists those not public with their status, newest change first, and sends no query to the incidents collection', async () => {
    const { app } = makeApp();
    const reviewer = await signedInAs(app, ['reviewer']);
    const older = await createIncident({ status: 'draft', title: 'Older draft' });
    const newer = await createIncident({ status: 'draft', title: 'Newer draft' });
    await createIncident({ status: 'verified', title: 'Already public' });

    const first = await commandsDuring(() => reviewer.get('/review'));
    expect(first.result.status).to.equal(200);
    expect(queueRows(first.result.text)).to.deep.equal([`${newer.ref} draft`, `${older.ref} draft`]);
    expect(first.result.text).not.to.include('Already public');
    expect(first.commands.filter((c) => c.collection === 'incidents'), 'no read of the incidents collection').to.deep.equal([]);

    // Submitted through its page: listed first, in review.
    const token = await csrfFrom(reviewer, `/incidents/${older.ref}`);
    expect((await reviewer.post(`/incidents/${older.ref}/submit`).type('form').send({ _csrf: token })).status).to.equal(302);
    expect(queueRows((await reviewer.get('/review')).text)).to.deep.equal([`${older.ref} in-review`, `${newer.ref} draft`]);
    // Labels in the reader's language, each language its own (they are made once per language).
    expect(queueLabels((await reviewer.get('/review?lng=ar')).text)).to.deep.equal([`${older.ref} قيد المراجعة · عامة`, `${newer.ref} مسودة · عامة`]);
    expect(queueLabels((await reviewer.get('/review?lng=en')).text)).to.deep.equal([`${older.ref} In review · Public`, `${newer.ref} Draft · Public`]);

    // Two approvals publish it: it leaves the queue and is on the public list.
    for (const approver of [await signedInAs(app, ['reviewer']), await signedInAs(app, ['reviewer'])]) {
      const t = await csrfFrom(approver, `/incidents/${older.ref}`);
      expect((await approver.post(`/incidents/${older.ref}/reviews`).type('form').send({ _csrf: t, decision: 'approve', ...checklist })).status).to.equal(302);
    }
    expect(queueRows((await reviewer.get('/review')).text)).to.deep.equal([`${newer.ref} draft`]);
    expect((await agent(app).get('/incidents')).text).to.include('Older draft');

    // Another process sends the newer draft for review: this one applies its recorded change.
    await Incident.updateOne({ _id: newer._id }, { $set: { 'verification.status': 'in-review' } });
    await recordChange({ incidents: [String(newer._id)] });
    watchForOtherProcesses(50);
    for (let n = 0; n < 100 && (await catalogue()).working.get(String(newer._id))?.verification?.status !== 'in-review'; n++) await new Promise((r) => setTimeout(r, 50));
    expect(queueRows((await reviewer.get('/review')).text)).to.deep.equal([`${newer.ref} in-review`]);
  });

  it('when more incidents are not public than a page holds, then the queue shows them 50 a page, last changed first, with links between pages that keep the report filter', async () => {
    const { app } = makeApp();
    const reviewer = await signedInAs(app, ['reviewer']);
    const made = [];
    for (let n = 0; n < 52; n++) made.push((await createIncident({ status: 'draft', title: `Draft ${n}` })).ref);
    const first = await reviewer.get('/review?status=triaged');
    expect(queueRows(first.text)).to.have.length(50);
    expect(queueRows(first.text)[0]).to.equal(`${made[51]} draft`);
    expect(first.text).to.include('Page 1 of 2 (52 incidents, last changed first)');
    expect(first.text).to.include('href="/review?status=triaged&amp;page=2" rel="next"');
    const second = await reviewer.get('/review?status=triaged&page=2');
    expect(queueRows(second.text)).to.deep.equal([`${made[1]} draft`, `${made[0]} draft`]);
    expect(second.text).to.include('rel="prev"');
    expect((await reviewer.get('/review?page=0')).status).to.equal(400);
    const past = await reviewer.get('/review?page=3');
    expect(queueRows(past.text)).to.deep.equal([]);
    expect(past.text).to.include('Page 3 of 2').and.include('href="/review?page=2" rel="prev"');
  });

  it('when a round was half approved before approvals took slots, then the start-up migration counts that approval once, and the next reviewer\'s approval verifies without a scan of the reviews', async () => {
    const { app } = makeApp();
    await postReport(agent(app));
    const report = (await Report.findOne({}).lean())!;
    const incident = await createIncident({ status: 'in-review', title: 'Half approved across the upgrade', reports: [report._id] });
    const earlier = await createUser({ roles: ['reviewer'], totp: true });
    await Review.create({ incident: incident._id, round: 1, reviewer: earlier.user._id, decision: 'approve', checklist: { sourceIdentified: true, technicalEvidence: true, corroborated: true, riskConsidered: true }, at: new Date() });
    expect(await migrateApprovalSlotsOnce()).to.equal(1);
    expect(await migrateApprovalSlotsOnce(), 'once per database').to.equal(undefined);

    // The earlier reviewer sending it again is still one approval.
    const again = agent(app);
    await signIn(again, earlier);
    const againToken = await csrfFrom(again, `/incidents/${incident.ref}`);
    expect((await again.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: againToken, decision: 'approve', ...checklist })).status).to.equal(303);
    expect((await Incident.findById(incident._id).lean())!.verification!.status).to.equal('in-review');

    const second = await signedInAs(app, ['reviewer']);
    const token = await csrfFrom(second, `/incidents/${incident.ref}`);
    const { result, commands } = await commandsDuring(() => second.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: token, decision: 'approve', ...checklist }));
    expect(result.status).to.equal(302);
    expect((await Incident.findById(incident._id).lean())!.verification!.status).to.equal('verified');
    expect(commands.filter((c) => c.collection === 'reviews' && c.name !== 'insert'), 'the reviews are only written').to.deep.equal([]);
    // The linked report (may the approver verify? who is told?) is read by its _id, never by an `$in` (a scan).
    const reportReads = commands.filter((c) => c.collection === 'reports');
    expect(reportReads.length).to.be.at.least(1);
    expect(reportReads.map((c) => JSON.stringify(c.filter))).to.deep.equal(reportReads.map(() => JSON.stringify({ _id: report._id })));
    const verified = (await AuditEvent.find({ action: 'incident.verified', 'subject.id': incident.ref }).lean())[0]!;
    const reviewers = (await Review.find({ incident: incident._id }).lean()).map((r) => String(r.reviewer));
    expect(reviewers).to.have.length(2);
    expect((verified.details as { approvers: string[] }).approvers, 'the earlier approval first').to.deep.equal([String(earlier.user._id), reviewers.find((r) => r !== String(earlier.user._id))]);
  });

  it('when an incident has reviews stored before they were numbered and new ones, then its staff page lists them all in the order sent, reading the reviews only by _id', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review', title: 'Reviews listed by number' });
    const checks = { sourceIdentified: true, technicalEvidence: true, corroborated: true, riskConsidered: true };
    for (const [n, note] of [[2, 'NOTE-ONE'], [1, 'NOTE-TWO']] as const) {
      const { user } = await createUser({ roles: ['reviewer'], totp: true });
      await Review.create({ incident: incident._id, round: 1, reviewer: user._id, decision: 'approve', checklist: checks, note, at: new Date(Date.now() - n * 60_000) });
    }
    expect(await migrateReviewNumbersOnce()).to.equal(2);
    expect(await migrateReviewNumbersOnce(), 'once per database').to.equal(undefined);
    const third = await signedInAs(app, ['reviewer']);
    const token = await csrfFrom(third, `/incidents/${incident.ref}`);
    await third.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: token, decision: 'request-changes', note: 'NOTE-THREE' });
    const reader = await signedInAs(app, ['reviewer']);
    const { result, commands } = await commandsDuring(() => reader.get(`/incidents/${incident.ref}`));
    expect(result.status).to.equal(200);
    const notes = ['NOTE-ONE', 'NOTE-TWO', 'NOTE-THREE'].map((n) => result.text.indexOf(n));
    expect(notes.every((i) => i > 0), 'every review listed').to.equal(true);
    expect([...notes].sort((a, b) => a - b), 'in the order sent').to.deep.equal(notes);
    const reviewReads = commands.filter((c) => c.collection === 'reviews');
    expect(reviewReads).to.have.length(3);
    expect(reviewReads.every((c) => Object.keys(c.filter as object).join() === '_id'), 'each by _id').to.equal(true);
  });
});
