import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/model.js';
import { User } from '../../src/auth/model.js';
import { PasswordReset, requestPasswordReset, resetPassword } from '../../src/auth/reset.js';
import { MailJob, Notification } from '../../src/notifications/model.js';
import { sendPendingMail } from '../../src/notifications/service.js';
import { Report } from '../../src/reports/model.js';
import { agent, csrfFrom, type Agent } from '../helpers/app.js';
import { createIncident, createUser, PASSWORD, signIn, signedInAs } from '../helpers/factories.js';
import { Incident } from '../../src/incidents/model.js';
import { publish } from '../../src/events/index.js';
import { printRace, race } from '../helpers/race.js';
import { postReport, reportForm } from '../helpers/reports.js';
import { testConfig } from '../helpers/engine.js';
import { bodyOf, useSmtp } from '../helpers/smtp.js';

describe('Notifications: in-app inbox and e-mail through SMTP', () => {
  const { received, mailApp, smtpDown, smtpUp } = useSmtp();

  it('when a researcher reports and reviewers work on it, then each side is told in-app and by mail, and no mail names the report, a target or a person', async () => {
    const { app } = mailApp();
    const researcher = await createUser({ name: 'Rania Researcher' });
    const r = agent(app);
    await signIn(r, researcher);
    const reviewerA = await createUser({ roles: ['reviewer'], totp: true });
    const reviewerB = await createUser({ roles: ['reviewer'], totp: true });
    const a = agent(app);
    await signIn(a, reviewerA);
    const submitted = await postReport(r, reportForm());
    expect(submitted.status).to.be.oneOf([302, 303]);
    const report = (await Report.findOne({}).lean())!;
    // Both reviewers hear of the new report, in-app and by mail.
    expect(await Notification.countDocuments({ kind: 'report.new', ref: report.ref })).to.equal(2);
    expect((await sendPendingMail()).sent).to.equal(2);
    expect(received.map((m) => m.to[0]).sort()).to.deep.equal([reviewerA.email, reviewerB.email].sort());
    // A reviewer asks a question; the researcher hears of it; the researcher answers; the reviewer hears of that.
    const token = await csrfFrom(a, `/reports/${report.ref}`);
    expect((await a.post(`/reports/${report.ref}/triage`).type('form').send({ _csrf: token })).status).to.equal(302);
    expect((await a.post(`/reports/${report.ref}/request-info`).type('form').send({ _csrf: await csrfFrom(a, `/reports/${report.ref}`), body: 'Which phone model was it?' })).status).to.equal(302);
    const inbox = await r.get('/notifications').set('Accept-Language', 'en');
    expect(inbox.text).to.include(`A reviewer asks a question about report ${report.ref}`);
    expect(inbox.text).to.include(`Report ${report.ref} was taken up by a reviewer`);
    expect(inbox.text).to.match(/class="count-badge">2 unread</);
    expect((await r.post(`/reports/${report.ref}/answers`).type('form').send({ _csrf: await csrfFrom(r, `/reports/${report.ref}`), body: 'An iPhone 12.' })).status).to.equal(302);
    expect(await Notification.countDocuments({ user: reviewerA.user._id, kind: 'report.answered' })).to.equal(1);
    expect(await Notification.countDocuments({ user: reviewerB.user._id, kind: 'report.answered' })).to.equal(0);
    expect((await sendPendingMail()).sent).to.equal(3);
    const toResearcher = received.filter((m) => m.to[0] === researcher.email).map((m) => bodyOf(m.text));
    expect(toResearcher).to.have.length(2);
    expect(toResearcher.join('\n')).to.include(`http://tracker.example.org/reports/${report.ref}`);
    // What a mail must never carry (the report's title, narrative, pseudonym, identity, contacts, the question).
    for (const m of received.map((x) => bodyOf(x.text))) {
      for (const secret of ['Journalist phone infected', 'forensic analysis found', 'Journalist A', 'CANARY-IDENTITY', 'canary-contact', 'CANARY-SUBMITTER', 'Which phone model', 'iPhone 12', 'Rania']) expect(m, secret).to.not.include(secret);
    }
    // Marked read: the badge goes.
    await r.post('/notifications/read').type('form').send({ _csrf: await csrfFrom(r, '/notifications') });
    expect((await r.get('/notifications').set('Accept-Language', 'en')).text).to.not.include('count-badge');
  });

  it("when a researcher's report is linked to an incident, then they are told, and their report page links the incident only once it is public", async () => {
    const { app } = mailApp();
    const researcher = await createUser({});
    const r = agent(app);
    await signIn(r, researcher);
    const a = await signedInAs(app, ['reviewer']);
    await postReport(r, reportForm());
    const report = (await Report.findOne({}).lean())!;
    const incident = await createIncident({ status: 'in-review', title: 'Incident built from the report' });
    const token = await csrfFrom(a, `/reports/${report.ref}`);
    expect((await a.post(`/reports/${report.ref}/link`).type('form').send({ _csrf: token, incident: incident.ref })).status).to.equal(302);
    expect(await Notification.countDocuments({ user: researcher.user._id, kind: 'report.linked' })).to.equal(1);
    const before = (await r.get(`/reports/${report.ref}`).set('Accept-Language', 'en')).text;
    expect(before).to.include('linked to an incident that is not public yet');
    expect(before).to.not.include(incident.ref);
    await Incident.updateOne({ _id: incident._id }, { $set: { 'verification.status': 'verified', published: true } });
    // As every command that writes incidents does: the read model is told (the report page reads it).
    await publish({ kind: 'incidents-changed', ids: [incident._id] });
    const after = (await r.get(`/reports/${report.ref}`).set('Accept-Language', 'en')).text;
    expect(after).to.include(`href="/incidents/${incident.ref}"`);
    expect(after).to.include('Incident built from the report');
  });

  it('when a person turns a kind of mail off, then it stays in the inbox but is not mailed; an anonymous submitter is never mailed and is told so', async () => {
    const { app } = mailApp();
    const reviewer = await createUser({ roles: ['reviewer'], totp: true });
    const a = agent(app);
    await signIn(a, reviewer);
    const res = await a.post('/notifications/preferences').type('form').send({ _csrf: await csrfFrom(a, '/notifications'), email: ['report.answered', 'incident.awaiting-approval'] });
    expect(res.status).to.equal(303);
    expect((await User.findById(reviewer.user._id).lean())!.emailOff).to.deep.equal(['report.triaged', 'report.needs-info', 'report.linked', 'report.published', 'report.rejected', 'report.new', 'report.assigned', 'watch.news']);
    const receipt = await postReport(agent(app), reportForm());
    expect(receipt.text).to.include('Anonymous reports are never followed by e-mail');
    expect(await Notification.countDocuments({ user: reviewer.user._id, kind: 'report.new' })).to.equal(1);
    expect(await MailJob.countDocuments({})).to.equal(0);
    expect((await sendPendingMail()).sent).to.equal(0);
    expect(received).to.deep.equal([]);
    expect(await AuditEvent.countDocuments({ action: 'user.notifications.changed' })).to.equal(1);
  });

  it('when the mail server is down, then the mail stays queued (the address never in the error) and goes once the server is back; two senders at once send it once', async () => {
    const { app } = mailApp();
    await smtpDown();
    const reviewer = await createUser({ roles: ['reviewer'], totp: true });
    await postReport(agent(app), reportForm());
    const first = await sendPendingMail();
    expect(first.retried).to.equal(1);
    const job = (await MailJob.findOne({}).lean())!;
    expect(job.attempts).to.equal(1);
    expect(job.lastError).to.not.include(reviewer.email);
    // Not due yet: nothing is tried.
    expect((await sendPendingMail()).retried).to.equal(0);
    // "After a restart": the queue is in the database; the server is back.
    await smtpUp();
    const later = new Date(Date.now() + 5 * 60_000);
    const [one, two] = await Promise.all([sendPendingMail(later), sendPendingMail(later)]);
    expect(one.sent + two.sent).to.equal(1);
    expect(received).to.have.length(1);
    expect(received[0]!.to).to.deep.equal([reviewer.email]);
    expect(await MailJob.countDocuments({})).to.equal(0);
  });

  it('when an account waits for approval, then admins see it in the navigation and the inbox; its owner with the right password is told it waits (a wrong password still gets the usual answer)', async () => {
    const { app } = mailApp();
    const admin = await signedInAs(app, ['admin']);
    const v = agent(app);
    // The token first: supertest takes the agent's cookies when the request is created.
    const registerToken = await csrfFrom(v, '/register');
    const res = await v.post('/register').type('form').send({ _csrf: registerToken, name: 'Pending Person', email: 'pending@example.org', organisation: '', password: PASSWORD });
    expect(res.status).to.equal(302);
    const nav = await admin.get('/admin/users').set('Accept-Language', 'en');
    expect(nav.text).to.match(/href="\/admin\/users\?status=pending"[^>]*>Users <span class="count-badge">1 waiting<\/span>/);
    expect((await admin.get('/notifications').set('Accept-Language', 'en')).text).to.include('An account waits for approval');
    const loginToken = await csrfFrom(v, '/login');
    const right = await v.post('/login').type('form').send({ _csrf: loginToken, email: 'pending@example.org', password: PASSWORD }).set('Accept-Language', 'en');
    expect(right.status).to.equal(401);
    expect(right.text).to.include('waiting for an administrator');
    const wrong = await v.post('/login').type('form').send({ _csrf: loginToken, email: 'pending@example.org', password: 'not the password at all' }).set('Accept-Language', 'en');
    expect(wrong.text).to.not.include('waiting for an administrator');
    expect(wrong.text).to.include('do not match an active account');
  });
});

describe('Password reset by e-mail', () => {
  const { received, mailApp } = useSmtp();

  async function ask(v: Agent, email: string) {
    const token = await csrfFrom(v, '/password/forgot');
    return v.post('/password/forgot').type('form').send({ _csrf: token, email }).set('Accept-Language', 'en');
  }

  it('when a person asks for a reset, then the same answer comes for any address, the link works once within 30 minutes, and it ends every session', async () => {
    const { app } = mailApp();
    const account = await createUser({ name: 'Resetting Researcher' });
    const session = agent(app);
    await signIn(session, account);
    const v = agent(app);
    const known = await ask(v, account.email);
    const unknown = await ask(v, 'nobody@example.org');
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '').replace(/csrf[^"]*"[^"]*"/g, '');
    expect(known.status).to.equal(200);
    expect(strip(unknown.text)).to.equal(strip(known.text));
    expect(known.text).to.include('If this address belongs to an active account');
    expect(await PasswordReset.countDocuments({})).to.equal(1);
    await sendPendingMail();
    expect(received).to.have.length(1);
    const link = /http:\/\/tracker\.example\.org(\/password\/reset\/[A-Za-z0-9_-]{43})/.exec(bodyOf(received[0]!.text))![1]!;
    const tokenHash = (await PasswordReset.findOne({}).lean())!._id;
    expect(bodyOf(received[0]!.text)).to.not.include(tokenHash);
    expect((await v.get(link)).status).to.equal(200);
    const resetToken = await csrfFrom(v, link);
    const set = await v.post(link).type('form').send({ _csrf: resetToken, password: 'a brand new long passphrase 42' });
    expect(set.status).to.equal(303);
    expect((await v.get(link)).status).to.equal(410);
    // The session signed in before the reset has ended; the new password works, the old one not.
    expect((await session.get('/account')).status).to.equal(302);
    const login = agent(app);
    await signIn(login, { email: account.email, password: 'a brand new long passphrase 42' });
    expect((await login.get('/account')).status).to.equal(200);
    expect(await AuditEvent.countDocuments({ action: 'user.password.reset' })).to.equal(1);
    // An expired link opens nothing.
    await ask(v, account.email);
    await PasswordReset.updateMany({}, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await sendPendingMail();
    const expired = /(\/password\/reset\/[A-Za-z0-9_-]{43})/.exec(bodyOf(received[1]!.text))![1]!;
    expect((await v.get(expired)).status).to.equal(410);
  });

  it('when one reset link is used 50 times at once, then exactly one sets the password (the claim decides)', async () => {
    mailApp();
    const account = await createUser({});
    await requestPasswordReset(account.email);
    await sendPendingMail();
    const token = /\/password\/reset\/([A-Za-z0-9_-]{43})/.exec(bodyOf(received[0]!.text))![1]!;
    const results = await race(50, (i) => Promise.resolve(`another long passphrase number ${i}`), (password) => resetPassword(token, password, testConfig()));
    printRace('password reset link, same token', 50, [results.filter(Boolean).length]);
    expect(results.filter(Boolean)).to.have.length(1);
    expect(await AuditEvent.countDocuments({ action: 'user.password.reset' })).to.equal(1);
  });
});
