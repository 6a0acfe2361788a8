import { expect } from 'chai';
import mongoose from 'mongoose';
import { commandsDuring, describeCommand } from '../helpers/commands.js';
import { Claim } from '../../src/db/claims.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createUser, signIn, signedInAs } from '../helpers/factories.js';
import { postReport } from '../helpers/reports.js';

/** The commands a request sent, each as its name, collection and the fields its filter names. */
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  return (await commandsDuring(run)).commands.map(describeCommand);
}

describe('what a signed-in page reads (each a lookup by _id, never a scan)', () => {
  afterEach(closeApps);

  it('when a signed-in researcher opens a public page again, then the session and the account are read by _id alone and the notice badge is not counted again', async () => {
    const { app } = makeApp();
    const a = agent(app);
    await signIn(a, await createUser({ roles: ['researcher'] }));
    await a.get('/incidents');
    const commands = await commandsOf(() => a.get('/incidents'));
    expect(commands).to.deep.equal(['find sessions _id', 'find users _id']);
  });

  it('when a stored session is past its expiry, then it is not accepted (read by _id, the expiry checked by the app)', async () => {
    const { app } = makeApp();
    const a = agent(app);
    await signIn(a, await createUser({ roles: ['researcher'] }));
    expect((await a.get('/account')).status).to.equal(200);
    await mongoose.connection.db!.collection('sessions').updateMany({}, { $set: { expires: new Date(Date.now() - 1_000) } });
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
