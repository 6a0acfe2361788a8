import { expect } from 'chai';
import { stringify } from 'csv-stringify/sync';
import { AuditEvent, userActor, verifyAuditChain } from '../../src/audit/index.js';
import { insertManyWithNextRefs, insertWithNextRef } from '../../src/db/sequence.js';
import { importIncidents } from '../../src/incidents/csv-import.js';
import { Incident } from '../../src/incidents/model.js';
import { createIncident, createUser } from '../helpers/factories.js';
import { testState } from '../helpers/engine.js';

const year = new Date().getUTCFullYear();
const ref = (n: number) => `I-${year}-${String(n).padStart(5, '0')}`;

function draft(title: string) {
  return () => ({
    title,
    summary: 'What happened.',
    dates: { from: { y: 2021 }, start: new Date(Date.UTC(2021, 0, 1)), end: new Date(Date.UTC(2021, 11, 31)) },
    countries: ['MA'],
    targets: [{ category: 'journalist', pseudonym: 'Journalist A', consentToPublish: false }],
    attributions: [],
    sources: [{ kind: 'other', title: 'A source' }],
    visibility: 'restricted',
    verification: { status: 'draft', round: 1 },
    published: false,
    year: 2021,
  });
}

/** What another app process does: its own insert, unknown to this process's numbering. */
async function insertedElsewhere(seq: number) {
  const doc = new Incident({ ...draft(`Elsewhere ${seq}`)(), ref: ref(seq), refYear: year, refSeq: seq });
  await Incident.collection.insertOne(doc.toObject());
}

describe('reference numbers (db/sequence.ts)', () => {
  it('when another process took the next numbers after this one learnt the highest, then the next insert skips them, without a gap or a duplicate', async () => {
    await createIncident({ title: 'First' });
    await insertedElsewhere(2);
    await insertedElsewhere(3);
    const next = await insertWithNextRef(Incident as never, 'I', draft('Here'));
    expect((next as unknown as { ref: string }).ref).to.equal(ref(4));
    // Far behind (more refusals than the re-read threshold): read again, still the next free number.
    for (let seq = 5; seq <= 14; seq++) await insertedElsewhere(seq);
    const later = await insertWithNextRef(Incident as never, 'I', draft('Later'));
    expect((later as unknown as { ref: string }).ref).to.equal(ref(15));
    const refs = (await Incident.find({}, { ref: 1 }).lean()).map((d) => d.ref).sort();
    expect(refs).to.deep.equal(Array.from({ length: 15 }, (_, i) => ref(i + 1)));
  });

  it('when several are inserted at once while others write, then every number is used once and the order given is kept for the free ones', async () => {
    await insertedElsewhere(1);
    const [many, one] = await Promise.all([insertManyWithNextRefs(Incident as never, 'I', ['a', 'b', 'c', 'd'].map(draft)), insertWithNextRef(Incident as never, 'I', draft('single'))]);
    const refs = [...many, one].map((d) => (d as unknown as { ref: string }).ref);
    expect(new Set(refs).size).to.equal(5);
    expect([...refs, ref(1)].sort()).to.deep.equal(Array.from({ length: 6 }, (_, i) => ref(i + 1)));
    const titles = (many as unknown as { title: string; refSeq: number }[]).map((d) => d.title);
    expect(titles).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(await Incident.countDocuments({})).to.equal(6);
  });

  it('when a CSV import of 300 rows is stored, then the incidents are numbered in row order, each has its audit event with its line, and the chain verifies', async () => {
    const { user } = await createUser({ roles: ['reviewer'] });
    const rows = Array.from({ length: 300 }, (_, i) => [`Row ${i}`, 'Imported.', '2023-05', 'MA', 'journalist', 'A source']);
    const buffer = Buffer.from(stringify([['title', 'summary', 'date_from', 'countries', 'target_categories', 'source_title'], ...rows]));
    const result = await importIncidents(userActor({ id: String(user._id), roles: ['reviewer'] }), { buffer, originalname: 'rows.csv' });
    expect(result.ok).to.equal(true);
    const stored = await Incident.find({}, { ref: 1, title: 1 }).sort({ refSeq: 1 }).lean();
    expect(stored.map((d) => d.title)).to.deep.equal(rows.map((r) => r[0]));
    expect(stored.map((d) => d.ref)).to.deep.equal(Array.from({ length: 300 }, (_, i) => ref(i + 1)));
    const created = await AuditEvent.find({ action: 'incident.created' }).sort({ _id: 1 }).lean();
    expect(created.map((e) => [e.subject?.id, (e.details as { line: number }).line])).to.deep.equal(stored.map((d, i) => [d.ref, i + 2]));
    expect((await verifyAuditChain()).ok).to.equal(true);
  });

  it('when an incident is looked up by _id on the embedded engine (as every find, update and delete by _id does), then SQLite uses the _id index of the patched FerretDB build, never a scan of the table', async function () {
    if (testState.engine?.kind !== 'ferretdb') this.skip();
    const incident = await createIncident({ title: 'Looked up by id' });
    const plan = (await Incident.find({ _id: incident._id }).explain()) as unknown as { queryPlanner?: { Plan?: string[] } }[] | { queryPlanner?: { Plan?: string[] } };
    const text = JSON.stringify(plan);
    expect(text).to.match(/USING INDEX [^"]*__id_/);
    expect(text).not.to.match(/SCAN incidents/);
    // And the lookup answers what it should.
    expect((await Incident.findById(incident._id).lean())?.title).to.equal('Looked up by id');
  });
});
