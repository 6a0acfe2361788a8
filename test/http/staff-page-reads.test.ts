import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { commandsDuring, describeCommand } from '../helpers/commands.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createEntities, createIncident, createUser, signIn } from '../helpers/factories.js';
import { postReport, reportForm } from '../helpers/reports.js';
import { SIGNED_IN_HOLD_MS } from '../../src/auth/held-accounts.js';
import { heldUntilWritten } from '../../src/db/held.js';
import { Incident } from '../../src/incidents/model.js';
import { Notification } from '../../src/notifications/model.js';
import { publish } from '../../src/events/index.js';
import { testState } from '../helpers/engine.js';

const year = new Date().getUTCFullYear();
const R1 = `R-${year}-00001`;

async function reviewer(app: Parameters<typeof agent>[0]) {
  const a = agent(app);
  await signIn(a, await createUser({ roles: ['reviewer'], totp: true }));
  return a;
}
/** The collections a request's commands named (sessions, accounts and the unread count aside: they have holds of their own). */
async function collectionsRead(run: () => Promise<unknown>): Promise<string[]> {
  return (await commandsDuring(run)).commands.map(describeCommand).filter((c) => !/ (sessions|users|notifications) /.test(c));
}

describe("what the staff's pages read (an incident from the read model; a report's reads held until written)", () => {
  afterEach(closeApps);

  it('when a reviewer opens an incident, then it and its entities come from the read model: no command names the incidents, products or governments', async () => {
    const { app } = makeApp();
    const { product, government } = await createEntities();
    const incident = await createIncident({ title: 'Shown from the read model', status: 'in-review', productId: product._id, governmentId: government._id });
    const a = await reviewer(app);
    await a.get(`/incidents/${incident.ref}`);
    let page: { status: number; text: string } | undefined;
    const sent = await collectionsRead(async () => (page = await a.get(`/incidents/${incident.ref}`)));
    expect(page!.status).to.equal(200);
    expect(page!.text).to.include('Shown from the read model').and.to.include(product.name).and.to.include(government.name);
    expect(sent.filter((c) => / (incidents|products|governments|vendors) /.test(c))).to.deep.equal([]);
  });

  it('when an incident is changed by a command, then the reviewer sees the change on the next page, without a read of it', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ title: 'Before the edit', status: 'draft' });
    const a = await reviewer(app);
    expect((await a.get(`/incidents/${incident.ref}`)).text).to.include('Before the edit');
    const written = await Incident.findByIdAndUpdate(incident._id, { $set: { title: 'After the edit' } }, { returnDocument: 'after' }).lean();
    await publish({ kind: 'incidents-written', docs: [written] });
    const page = await a.get(`/incidents/${incident.ref}`);
    expect(page.text).to.include('After the edit').and.not.to.include('Before the edit');
  });

  it('when reviewers open a report page again within the hold, then it sends no command; a note added in this process shows at the very next page', async () => {
    const { app } = makeApp();
    await postReport(agent(app), reportForm({ title: 'A held report' }));
    const [first, second] = [await reviewer(app), await reviewer(app)];
    expect((await first.get(`/reports/${R1}`)).text).to.include('A held report');
    expect(await collectionsRead(() => second.get(`/reports/${R1}`))).to.deep.equal([]);
    expect(await collectionsRead(() => first.get('/review')), 'the open reports\' rows, not the reports').to.deep.equal(['find reportqueue ']);
    expect(await collectionsRead(() => second.get('/review'))).to.deep.equal([]);
    const token = await csrfFrom(first, `/reports/${R1}`);
    await first.post(`/reports/${R1}/notes`).type('form').send({ _csrf: token, note: 'A note written just now' }).expect(303);
    expect((await second.get(`/reports/${R1}`)).text).to.include('A note written just now');
  });

  it('when another process writes (its writes are not seen by this client), then the report page shows it once the hold has passed, not before', async () => {
    const { app } = makeApp();
    await postReport(agent(app), reportForm({ title: 'Title as submitted' }));
    const a = await reviewer(app);
    expect((await a.get(`/reports/${R1}`)).text).to.include('Title as submitted');
    const other = await MongoClient.connect(testState.uri!);
    try {
      await other.db(mongoose.connection.name).collection('reports').updateOne({ ref: R1 }, { $set: { title: 'Title changed elsewhere' } });
    } finally {
      await other.close();
    }
    expect((await a.get(`/reports/${R1}`)).text).to.include('Title as submitted');
    await new Promise((r) => setTimeout(r, SIGNED_IN_HOLD_MS + 100));
    expect((await a.get(`/reports/${R1}`)).text).to.include('Title changed elsewhere');
  });

  it('when ten requests miss together, then one read serves them; a write to the collection while it runs keeps its answer from being held', async () => {
    const held = heldUntilWritten<number>(60_000, ['heldtests']);
    let reads = 0;
    const read = async () => {
      reads += 1;
      await new Promise((r) => setTimeout(r, 50));
      return reads;
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => held.get('k', read)));
    expect([reads, new Set(answers).size]).to.deep.equal([1, 1]);
    expect(await held.get('k', read)).to.equal(1);
    // A write through this client, by a raw collection (no model): the held answer is dropped.
    await mongoose.connection.db!.collection('heldtests').insertOne({ at: new Date() });
    expect(await held.get('k', read)).to.equal(2);
    // A write sent while a read is in flight: that read's answer is handed out, not kept.
    const during = held.get('other', read);
    await mongoose.connection.db!.collection('heldtests').insertOne({ at: new Date() });
    expect(await during).to.equal(3);
    expect(await held.get('other', read)).to.equal(4);
  });

  it('when requests that miss together share a read given as a Mongoose query (run again at each `then`), then it runs once and every one gets its answer', async () => {
    const held = heldUntilWritten<number>(60_000, ['notifications']);
    const { result, commands } = await commandsDuring(() => Promise.all(Array.from({ length: 10 }, () => held.get('unread', () => Notification.countDocuments({})))));
    expect(result).to.deep.equal(Array.from({ length: 10 }, () => 0));
    expect(commands.map(describeCommand)).to.deep.equal(['aggregate notifications ']);
  });
});
