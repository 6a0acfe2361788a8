import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { catalogue, keepSnapshot, loadedFrom, resetCatalogue, writeSnapshotNow } from '../../src/catalogue/index.js';
import { recordChange } from '../../src/catalogue/changes.js';
import { Incident } from '../../src/incidents/model.js';
import { createIncident } from '../helpers/factories.js';
import { clearDatabase } from '../helpers/engine.js';

/** What a restart does to the catalogue: everything this process held is gone; the snapshot file stays. */
function restart(file: string): void {
  resetCatalogue();
  keepSnapshot(file, 60_000);
}

const titles = async () => (await catalogue()).all.map((e) => e.title).sort();

describe('catalogue snapshot and change log (start-up without reading every incident)', () => {
  let file: string;
  beforeEach(() => {
    file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tracker-snapshot-')), 'catalogue.snapshot');
  });
  afterEach(() => resetCatalogue());

  it('when the app restarts, then the catalogue comes from the snapshot plus the changes recorded since, including another process\'s', async () => {
    restart(file);
    await createIncident({ status: 'verified', title: 'Before the snapshot' });
    expect(await titles()).to.deep.equal(['Before the snapshot']);
    expect(loadedFrom.how).to.equal('database');
    await writeSnapshotNow();
    expect(readFileSync(file).length).to.be.greaterThan(100);

    // While "down": another process publishes one incident and records the change.
    const other = await createIncident({ status: 'draft', title: 'Published elsewhere' });
    await Incident.updateOne({ _id: other._id }, { $set: { 'verification.status': 'verified', published: true } });
    await recordChange({ incidents: [String(other._id)] });
    // And a change to a snapshotted incident that no change records: a snapshot start does not read it.
    await Incident.updateOne({ title: 'Before the snapshot' }, { $set: { title: 'Changed without a record' } });

    restart(file);
    expect(await titles()).to.deep.equal(['Before the snapshot', 'Published elsewhere']);
    expect(loadedFrom.how).to.equal('snapshot');
    expect(loadedFrom.caughtUp).to.be.at.least(1);
  });

  it('when an incident is held as BSON bytes, then each read of its record is a fresh copy equal to the stored document (dates and ids intact), also after a restart from the snapshot', async () => {
    restart(file);
    const made = await createIncident({ status: 'verified', title: 'Held as bytes', extra: { indicators: [{ type: 'domain', value: 'held.example' }] } });
    const stored = await Incident.findById(made._id).lean();
    const entry = (await catalogue()).byRef.get(made.ref)!;
    expect(entry.bson).to.be.instanceOf(Uint8Array);
    expect(JSON.stringify(entry.doc)).to.equal(JSON.stringify(stored));
    expect(entry.doc.createdAt).to.be.instanceOf(Date);
    expect(String(entry.doc._id)).to.equal(String(made._id));
    // A caller changing what it read changes nothing held.
    (entry.doc as { title: string }).title = 'Changed by a reader';
    expect((entry.doc as { title: string }).title).to.equal('Held as bytes');
    await writeSnapshotNow();
    restart(file);
    const again = (await catalogue()).byRef.get(made.ref)!;
    expect(loadedFrom.how).to.equal('snapshot');
    expect(JSON.stringify(again.doc)).to.equal(JSON.stringify(stored));
    expect(again.verifiedAt).to.equal(new Date((stored as { verification: { verifiedAt: Date } }).verification.verifiedAt).getTime());
  });

  it('when the database was replaced since the snapshot (a restore, a reset), then the snapshot is not used and everything is read again', async () => {
    restart(file);
    await createIncident({ status: 'verified', title: 'In the old database' });
    await catalogue();
    await writeSnapshotNow();

    await clearDatabase();
    await createIncident({ status: 'verified', title: 'In the new database' });
    restart(file);
    expect(await titles()).to.deep.equal(['In the new database']);
    expect(loadedFrom.how).to.equal('database');
  });

  it('when the snapshot file is damaged or cut short, then it is ignored and everything is read again', async () => {
    restart(file);
    await createIncident({ status: 'verified', title: 'Kept' });
    await catalogue();
    await writeSnapshotNow();
    const whole = readFileSync(file);
    for (const damaged of [whole.subarray(0, whole.length - 10), Buffer.concat([whole, Buffer.from('tail')]), Buffer.from('not a snapshot')]) {
      writeFileSync(file, damaged);
      restart(file);
      expect(await titles()).to.deep.equal(['Kept']);
      expect(loadedFrom.how).to.equal('database');
    }
  });

  it('when a seed replaced everything after the snapshot (in another process), then its change in the log makes this process read everything again', async () => {
    restart(file);
    await createIncident({ status: 'verified', title: 'Before the seed' });
    await catalogue();
    await writeSnapshotNow();
    await Incident.deleteMany({});
    await createIncident({ status: 'verified', title: 'Seeded' });
    await recordChange({ replaced: true });
    restart(file);
    expect(await titles()).to.deep.equal(['Seeded']);
  });
});
