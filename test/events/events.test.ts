import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { catalogue, resetCatalogue, stopWatching, watchForOtherProcesses } from '../../src/catalogue/index.js';
import { changeAt, lastChangeSeq, type Change } from '../../src/events/changes.js';
import { publish, subscribe, type DomainEvent } from '../../src/events/index.js';
import { createIncident } from '../helpers/factories.js';
import { testState } from '../helpers/engine.js';
import { waitFor } from '../helpers/server-process.js';

/** Runs an ES module in a process of its own on the test database: what it prints. */
function inAnotherProcess(source: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['--import', 'tsx', '--input-type=module', '-e', source], { env: { ...process.env, MONGODB_URI: testState.uri!, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
  });
}

describe('domain events: commands publish, the read model and the other processes apply', () => {
  afterEach(async () => {
    await stopWatching();
    resetCatalogue();
  });

  it('when a process with no read model loaded (a seed, the CLI) publishes an event, then it is recorded in the change log and the running app applies it [spawns a process]', async () => {
    const made = await createIncident({ status: 'verified', title: 'As first published' });
    const title = async () => (await catalogue()).byRef.get(made.ref)?.title;
    expect(await title()).to.equal('As first published');
    const before = await lastChangeSeq();
    // That process loads the events module and the database driver only: no catalogue subscribes there.
    const printed = await inAnotherProcess(
      `import mongoose from 'mongoose';
       const { publish } = await import('./src/events/index.ts');
       await mongoose.connect(process.env.MONGODB_URI);
       const _id = new mongoose.Types.ObjectId(process.env.INCIDENT);
       const doc = await mongoose.connection.db.collection('incidents').findOneAndUpdate({ _id }, { $set: { title: 'Edited elsewhere', updatedAt: new Date() } }, { returnDocument: 'after' });
       console.log(JSON.stringify(await publish({ kind: 'incidents-written', docs: [doc] })));
       await mongoose.disconnect();`,
      { INCIDENT: String(made._id) },
    );
    const change = JSON.parse(printed) as Change;
    expect(change.seq).to.equal(before + 1);
    expect((await changeAt(change.seq))!.incidents).to.deep.equal([String(made._id)]);
    // Not applied here until this process reads the log.
    expect(await title()).to.equal('As first published');
    watchForOtherProcesses(50);
    expect(await waitFor(async () => (await title()) === 'Edited elsewhere', 10_000)).to.equal(true);
  });

  it('when an event is published, then each subscriber applies it before it is recorded, is told its number after, and the log records what changed', async () => {
    const seen: string[] = [];
    const unsubscribe = subscribe({
      async apply(event: DomainEvent) {
        seen.push(`apply ${event.kind} (log at ${await lastChangeSeq()})`);
      },
      recorded(change: Change) {
        seen.push(`recorded ${change.seq}`);
      },
    });
    try {
      const start = await lastChangeSeq();
      const events: [DomainEvent, Partial<Change>][] = [
        [{ kind: 'incidents-written', docs: [] }, { incidents: [], entities: false, touched: false, replaced: false }],
        [{ kind: 'incidents-removed', ids: ['0123456789abcdef01234567'] }, { incidents: ['0123456789abcdef01234567'] }],
        [{ kind: 'entities-changed' }, { entities: true, incidents: [] }],
        [{ kind: 'public-data-changed' }, { touched: true, entities: false }],
        [{ kind: 'replaced' }, { replaced: true }],
      ];
      for (const [event, recorded] of events) {
        const change = await publish(event);
        expect(await changeAt(change.seq)).to.deep.include(recorded);
      }
      expect(seen).to.deep.equal(events.flatMap(([event], i) => [`apply ${event.kind} (log at ${start + i})`, `recorded ${start + i + 1}`]));
    } finally {
      unsubscribe();
    }
    await publish({ kind: 'entities-changed' });
    expect(seen).to.have.length(10);
  });
});
