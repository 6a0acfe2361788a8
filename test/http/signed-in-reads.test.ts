import { expect } from 'chai';
import mongoose from 'mongoose';
import { commandsDuring, describeCommand } from '../helpers/commands.js';
import { Claim } from '../../src/db/claims.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createUser, signIn, signedInAs } from '../helpers/factories.js';
import { postReport } from '../helpers/reports.js';
import { SIGNED_IN_HOLD_MS } from '../../src/auth/held-accounts.js';
import { User } from '../../src/auth/model.js';

/** The commands a request sent, each as its name, collection and the fields its filter names. */
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  return (await commandsDuring(run)).commands.map(describeCommand);
}

describe('what a signed-in page reads (each a lookup by _id, never a scan)', () => {
  afterEach(closeApps);

  it('when a signed-in researcher opens pages, then the session and the account are read by _id alone, once per hold: the next pages send no command at all until it has passed', async () => {
    const { app } = makeApp();
    const a = agent(app);
    await signIn(a, await createUser({ roles: ['researcher'] }));
    // The first page after signing in stores the session's form token (a write, which drops the held copy).
    await a.get('/incidents');
    await a.get('/incidents');
    for (const path of ['/incidents', '/vendors', '/incidents']) expect(await commandsOf(() => a.get(path)), path).to.deep.equal([]);
    await new Promise((r) => setTimeout(r, SIGNED_IN_HOLD_MS + 100));
    expect(await commandsOf(() => a.get('/incidents'))).to.deep.equal(['find sessions _id', 'find users _id']);
  });

  it('when this process signs a session out, disables an account, takes a role away or changes a password, then the very next request acts on it, although sessions and accounts are held in memory', async () => {
    const { app } = makeApp();
    const admin = await signedInAs(app, ['admin']);
    // Sign-out: the cookie replayed at once is no session.
    const leaving = agent(app);
    const leaver = await createUser({ roles: ['researcher'] });
    const loginToken = await csrfFrom(leaving, '/login');
    const login = await leaving.post('/login').type('form').send({ _csrf: loginToken, email: leaver.email, password: leaver.password });
    const cookie = (login.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('tracker.sid='))!.split(';')[0]!;
    expect((await agent(app).get('/account').set('Cookie', cookie)).status).to.equal(200);
    const logoutToken = await csrfFrom(leaving, '/account');
    await leaving.post('/logout').type('form').send({ _csrf: logoutToken }).expect(302);
    const replayed = await agent(app).get('/account').set('Cookie', cookie);
    expect([replayed.status, replayed.headers.location]).to.deep.equal([302, '/login']);
    // A password changed in one session: the account's other session is over at its next request.
    const [here, elsewhere] = [agent(app), agent(app)];
    const changer = await createUser({ roles: ['researcher'] });
    await signIn(here, changer);
    await signIn(elsewhere, changer);
    expect((await elsewhere.get('/account')).status).to.equal(200);
    const passwordToken = await csrfFrom(here, '/account');
    await here.post('/account/password').type('form').send({ _csrf: passwordToken, currentPassword: changer.password, newPassword: 'a quite different passphrase 42' }).expect(302);
    expect((await here.get('/account')).status).to.equal(200);
    expect((await elsewhere.get('/account')).headers.location).to.equal('/login');
    // A role taken away: the next page is refused.
    const reviewer = agent(app);
    const reviewerAccount = await createUser({ roles: ['reviewer'], totp: true });
    await signIn(reviewer, reviewerAccount);
    expect((await reviewer.get('/review')).status).to.equal(200);
    const adminToken = await csrfFrom(admin, '/admin/users');
    await admin.post(`/admin/users/${reviewerAccount.user.id}/roles`).type('form').send({ _csrf: adminToken, roles: 'researcher' }).expect(302);
    expect((await reviewer.get('/review')).status).to.equal(403);
    // Disabled by an administrator: signed out at the next request.
    expect((await reviewer.get('/notifications')).status).to.equal(200);
    await admin.post(`/admin/users/${reviewerAccount.user.id}/disable`).type('form').send({ _csrf: adminToken }).expect(302);
    expect((await User.findById(reviewerAccount.user.id).lean())!.status).to.equal('disabled');
    expect((await reviewer.get('/notifications')).headers.location).to.equal('/login');
  });

  it('when another process changes an account or a session (the CLI, a second app), then it is seen within the hold', async () => {
    const { app } = makeApp();
    const a = agent(app);
    const account = await createUser({ roles: ['researcher'] });
    await signIn(a, account);
    expect((await a.get('/account')).status).to.equal(200);
    // Written beside this process's models, as another process's write reaches this one.
    await mongoose.connection.db!.collection('users').updateOne({ _id: new mongoose.Types.ObjectId(account.user.id) }, { $set: { status: 'disabled' } });
    await new Promise((r) => setTimeout(r, SIGNED_IN_HOLD_MS + 100));
    expect((await a.get('/account')).headers.location).to.equal('/login');
  });

  it('when a stored session is past its expiry, then it is not accepted (read by _id, the expiry checked by the app)', async () => {
    const { app } = makeApp();
    const a = agent(app);
    await signIn(a, await createUser({ roles: ['researcher'] }));
    expect((await a.get('/account')).status).to.equal(200);
    await mongoose.connection.db!.collection('sessions').updateMany({}, { $set: { expires: new Date(Date.now() - 1_000) } });
    // Written beside the store (another process's write): seen once the held copy is older than the hold.
    await new Promise((r) => setTimeout(r, SIGNED_IN_HOLD_MS + 100));
    const res = await a.get('/account');
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/login');
  });

  it('when a reviewer opens a report and a submitter follows it by receipt, then the report is found through its reference or receipt claim and read by _id, never by a query on the reports', async () => {
    const { app } = makeApp();
    const posted = await postReport(agent(app));
    const code = /<code>([A-Z2-7-]{39})<\/code>/.exec(posted.text)![1]!;
    const ref = `R-${new Date().getUTCFullYear()}-00001`;
    const reviewer = await signedInAs(app, ['reviewer']);
    const reportFinds = (commands: string[]) => commands.filter((c) => c.startsWith('find reports'));
    const page = await commandsOf(() => reviewer.get(`/reports/${ref}`));
    // Found by _id (the page's duplicate detection then queries other reports by source and indicator).
    expect(reportFinds(page)[0]).to.equal('find reports _id');
    expect(reportFinds(page)).not.to.include('find reports ref');
    const tracker = agent(app);
    const token = await csrfFrom(tracker, '/track');
    let tracked: { status: number; text: string } | undefined;
    const track = await commandsOf(async () => {
      tracked = await tracker.post('/track').type('form').send({ _csrf: token, code });
    });
    expect(tracked!.status).to.equal(200);
    expect(tracked!.text).to.include(ref);
    expect(reportFinds(track)).to.deep.equal(['find reports _id']);
    // A report stored before the claims existed (its claims removed here) is found by the query once, then remembered.
    await Claim.deleteMany({});
    expect(reportFinds(await commandsOf(() => reviewer.get(`/reports/${ref}`)))[0]).to.equal('find reports ref');
    expect(reportFinds(await commandsOf(() => reviewer.get(`/reports/${ref}`)))[0]).to.equal('find reports _id');
    expect((await reviewer.get('/reports/R-2000-00009')).status).to.equal(404);
  });
});
