import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { catalogue, keepSnapshot, loadedFrom, resetCatalogue, writeSnapshotNow } from '../../src/catalogue/index.js';
import { recordChange } from '../../src/events/changes.js';
import { toEntry, type Entry } from '../../src/catalogue/entry.js';
import { BSON } from 'mongodb';
import { Incident } from '../../src/incidents/model.js';
import { createEntities, createIncident } from '../helpers/factories.js';
import { clearDatabase } from '../helpers/engine.js';

/** What a restart does to the catalogue: everything this process held is gone; the snapshot file stays. */
function restart(file: string): void {
  resetCatalogue();
  keepSnapshot(file, 60_000);
}

/** Every field of an entry (its record's bytes as a Buffer, to compare by content). */
const fieldsOf = (e: Entry) => ({ ...e, bson: Buffer.from(e.bson) });

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

  it('when the app restarts, then each entry is the one stored with its record, equal field for field to deriving it again; after an upgrade (other code) each is derived again from its record', async () => {
    restart(file);
    const { product, government } = await createEntities();
    const { vendor } = await createEntities();
    const rich = await createIncident({
      status: 'verified',
      title: 'Journalist hacked',
      summary: 'Spyware traces were found on the phone of a journalist in Casablanca.',
      productId: product._id,
      extra: {
        lang: 'en',
        translation: { lang: 'ar', title: 'اختراق هاتف صحفي', summary: 'عُثر على آثار برنامج تجسس.', updatedAt: new Date('2026-11-01T00:00:00Z') },
        dates: { from: { y: 2020, m: 3, d: 4 }, to: { y: 2021 }, start: new Date(Date.UTC(2020, 2, 4)), end: new Date(Date.UTC(2021, 11, 31)) },
        countries: ['MA', 'EG'],
        attributions: [
          { kind: 'product', product: product._id, confidence: 'high', basis: 'Forensic traces.', sources: [0] },
          { kind: 'vendor', vendor: vendor._id, confidence: 'low', basis: 'A lead.', sources: [0] },
          { kind: 'government', government: government._id, product: product._id, confidence: 'medium', basis: 'Targeting pattern.', sources: [0] },
        ],
      },
    });
    const plain = await createIncident({ status: 'verified', title: 'Nothing attributed' });
    const c = await catalogue();
    const expected = await Promise.all([rich, plain].map(async (i) => fieldsOf(toEntry((await Incident.findById(i._id).lean()) as never, c.vendorOf))));
    expect(expected[0]!.operations).to.have.length(1);
    expect(expected[0]!.leadIds).to.have.length(1);
    expect(expected[0]!.to).to.deep.equal({ y: 2021 });
    const entriesOf = (held: Awaited<ReturnType<typeof catalogue>>) => [held.byRef.get(rich.ref)!, held.byRef.get(plain.ref)!].map(fieldsOf);
    /** Restarts from the snapshot: its entries read as `entries` says, equal to deriving them now. */
    const restartsWith = async (entries: 'stored' | 'derived') => {
      restart(file);
      const held = await catalogue();
      expect(loadedFrom).to.include({ how: 'snapshot', entries });
      expect(entriesOf(held)).to.deep.equal(expected);
      return held;
    };
    expect(entriesOf(c)).to.deep.equal(expected);
    await writeSnapshotNow();

    const stored = await restartsWith('stored');
    // Search reads the stored words (the translation's too).
    expect(stored.select({ tokens: ['تجسس'] }).map((e) => e.ref)).to.deep.equal([rich.ref]);
    expect(JSON.stringify(stored.byRef.get(rich.ref)!.doc)).to.equal(JSON.stringify(await Incident.findById(rich._id).lean()));

    // The same snapshot as written by other code (an earlier version): the entries are derived again.
    const whole = readFileSync(file);
    const headerSize = whole.readInt32LE(0);
    const header = BSON.deserialize(whole.subarray(0, headerSize));
    writeFileSync(file, Buffer.concat([BSON.serialize({ ...header, derivation: 'an earlier version' }), whole.subarray(headerSize)]));
    await restartsWith('derived');
    // And written anew by this code, with no change meanwhile: the next start reads them stored.
    await writeSnapshotNow();
    await restartsWith('stored');
  });

  it('when incidents are not public, then each read of a working-set record is a fresh copy equal to the stored document, also after a restart from the snapshot, and its lists pick their incidents', async () => {
    restart(file);
    const { product, government } = await createEntities();
    const draft = await createIncident({ status: 'draft', title: 'A draft held as bytes', extra: { indicators: [{ type: 'domain', value: 'draft.example' }] } });
    const restricted = await createIncident({ status: 'verified', visibility: 'restricted', title: 'Verified, restricted' });
    // An operator claim that names no product, beside a product claim: a reviewer should link it.
    const unlinked = await createIncident({ status: 'in-review', title: 'Operator unlinked', productId: product._id, governmentId: government._id });
    const stored = JSON.stringify(await Incident.findById(draft._id).lean());
    const check = async () => {
      const c = await catalogue();
      const id = String(draft._id);
      expect(JSON.stringify(c.working.get(id))).to.equal(stored);
      expect(c.working.get(id)!.updatedAt).to.be.instanceOf(Date);
      (c.working.get(id) as unknown as { title: string }).title = 'Changed by a reader';
      expect((c.working.get(id) as unknown as { title: string }).title).to.equal('A draft held as bytes');
      expect(c.working.verifiedRestricted().map((d) => d.ref)).to.deep.equal([restricted.ref]);
      expect(c.working.withUnlinkedOperators().map((d) => d.ref)).to.deep.equal([unlinked.ref]);
      expect(c.working.recent(1, 50).docs.map((d) => d.ref)).to.have.members([draft.ref, restricted.ref, unlinked.ref]);
      expect(c.refOf(id)).to.equal(draft.ref);
    };
    await check();
    await writeSnapshotNow();
    restart(file);
    await check();
    expect(loadedFrom.how).to.equal('snapshot');
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
