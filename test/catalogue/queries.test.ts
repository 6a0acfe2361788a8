import { expect } from 'chai';
import mongoose from 'mongoose';
import { catalogue, type ResolvedFilter } from '../../src/catalogue/index.js';
import { MongoIncidentQueries, PROJECTION, type Version } from '../../src/catalogue/mongo-queries.js';
import { CatalogueQueries, type IncidentQueries } from '../../src/catalogue/queries.js';
import { CONFIDENCE_RANK } from '../../src/catalogue/entry.js';
import { createEntities, createIncident } from '../helpers/factories.js';
import { OfficialAction } from '../../src/listings/model.js';
import { Vendor } from '../../src/vendors/model.js';
import { publish } from '../../src/events/index.js';

async function all<T>(batches: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of batches) out.push(...batch);
  return out;
}

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** A projection version: the record's, then the entities'. */
const version = (record: number, entities = 0): Version => ({ record, entities, derivedBy: 'test' });

/**
 * The contract of IncidentQueries (catalogue/queries.ts): the in-process catalogue and the MongoDB
 * projection answer every question the same, on the same incidents. The projection runs here on the
 * embedded engine (the tests' engine, or MongoDB wherever MONGODB_URI points).
 */
describe('IncidentQueries: the in-process catalogue and the MongoDB projection answer alike', () => {
  afterEach(async () => {
    await mongoose.connection.db!.collection(PROJECTION).drop().catch(() => undefined);
  });

  it('when the same published incidents are held by both, then pages, counts, facets, lookups and statistics are equal for every filter, and leads and unpublished incidents count in neither', async () => {
    const a = await createEntities();
    const b = await createEntities();
    // A subsidiary of a (its incidents count for a too), and b listed (the listing facet).
    const sub = await Vendor.create({ slug: `${a.vendor.slug}-sub`, name: `${a.vendor.name} Sub`, parent: a.vendor._id });
    await OfficialAction.create({ slug: `${b.vendor.slug}-rule`, regime: 'us-entity-list', kind: 'listing', citation: 'A rule', entities: [{ vendor: b.vendor._id }] });
    await publish({ kind: 'entities-changed' });
    const incident = (title: string, extra: Record<string, unknown>, props: Parameters<typeof createIncident>[0] = {}) => createIncident({ status: 'verified', title, ...props, extra });
    const at = (y: number, m: number) => ({ dates: { from: { y, m }, start: new Date(Date.UTC(y, m - 1, 1)), end: new Date(Date.UTC(y, m, 0, 23, 59, 59)) }, year: y });
    await incident('Forensic traces in Rabat', at(2021, 7), { productId: a.product._id, governmentId: a.government._id });
    await incident('Second vendor in Cairo', { ...at(2022, 3), countries: ['EG'], targets: [{ category: 'activist', pseudonym: 'Activist B', consentToPublish: false }] }, { vendorId: b.vendor._id });
    await incident('Both vendors', { ...at(2023, 11), countries: ['EG', 'MA'] }, { productId: b.product._id, vendorId: a.vendor._id });
    await incident('By the subsidiary', at(2023, 11), { vendorId: sub._id });
    await incident('Same day as the subsidiary', at(2023, 11), { governmentId: b.government._id });
    // A lead only: never counted for the vendor it names.
    await incident('Lead only', { ...at(2020, 1), attributions: [{ kind: 'vendor', vendor: b.vendor._id, confidence: 'low', basis: 'A guess.', sources: [0] }] });
    // Not public: in neither.
    await createIncident({ status: 'in-review', title: 'Still in review', productId: a.product._id });
    await createIncident({ status: 'verified', visibility: 'restricted', title: 'Restricted', productId: a.product._id });

    const c = await catalogue();
    const memory: IncidentQueries = new CatalogueQueries(catalogue);
    const mongo = new MongoIncidentQueries(mongoose.connection.db!, () => c.entities);
    await mongo.ensureIndexes();
    await mongo.apply(c.all.map((entry) => ({ entry, version: version(1) })));

    const filters: [string, ResolvedFilter][] = [
      ['everything', {}],
      ['vendor a (family)', { vendorIds: c.entities.vendorFamily(String(a.vendor._id)) }],
      ['vendor b (a lead elsewhere)', { vendorIds: c.entities.vendorFamily(String(b.vendor._id)) }],
      ['product a', { productId: String(a.product._id) }],
      ['government a', { governmentId: String(a.government._id) }],
      ['country EG', { country: 'EG' }],
      ['activists', { category: 'activist' }],
      ['2021–2022', { yearFrom: 2021, yearTo: 2022 }],
      ['since 2022-01-01', { since: day('2022-01-01').getTime() }],
      ['until 2022-01-01', { until: day('2022-01-01').getTime() }],
      ['high or above', { minRank: CONFIDENCE_RANK.high }],
      ['search: own text', { tokens: ['rabat'] }],
      ['search: an entity name', { tokens: [String(b.vendor.name).toLowerCase().split(' ')[0]!, String(b.vendor.name).split(' ')[1]!] }],
      ['nothing matches', { country: 'FR' }],
    ];
    for (const [label, filter] of filters) {
      for (const sort of ['newest', 'oldest'] as const) {
        for (const [page, perPage] of [[1, 2], [2, 2], [3, 2], [1, 20]] as const) {
          expect(await mongo.page(filter, { page, sort }, perPage), `${label}: page ${page} of ${perPage}, ${sort}`).to.deep.equal(await memory.page(filter, { page, sort }, perPage));
        }
        // Walked by cursors, two at a time: the same pages, and every incident once.
        const seen: string[] = [];
        let after: string | undefined;
        do {
          const [m, d] = [await memory.page(filter, { after, sort }, 2), await mongo.page(filter, { after, sort }, 2)];
          expect(d, `${label}: after ${after}, ${sort}`).to.deep.equal(m);
          expect(m.startAt, `${label}: where the page after ${after} starts`).to.equal(seen.length);
          seen.push(...m.refs);
          after = m.next;
        } while (after);
        expect(seen, `${label}: walked ${sort} first`).to.deep.equal((await memory.page(filter, { sort }, 20)).refs);
      }
      expect(await mongo.count(filter), `${label}: count`).to.equal(await memory.count(filter));
      expect(await all(mongo.refs(filter)), `${label}: every reference`).to.deep.equal((await memory.page(filter, {}, 100)).refs);
      expect(await all(memory.refs(filter)), `${label}: every reference (catalogue)`).to.deep.equal((await memory.page(filter, {}, 100)).refs);
      expect(await mongo.facets(filter), `${label}: facets`).to.deep.equal(await memory.facets(filter));
      expect(await mongo.stats(filter), `${label}: stats`).to.deep.equal(await memory.stats(filter));
    }
    // What the answers are, not only that they agree.
    expect((await memory.page({}, {}, 20)).total).to.equal(6);
    expect((await memory.page({ vendorIds: c.entities.vendorFamily(String(b.vendor._id)) }, {}, 20)).refs.length, 'the lead is not a finding').to.equal(2);
    const everything = await mongo.facets({});
    expect(everything.vendors, 'a vendor counts its subsidiary, a lead counts for none').to.deep.equal([
      { key: String(a.vendor._id), n: 3 },
      { key: String(b.vendor._id), n: 2 },
      { key: String(sub._id), n: 1 },
    ].sort((x, y) => y.n - x.n || x.key.localeCompare(y.key)));
    expect(everything.listing).to.deep.equal([{ key: 'listed', n: 2 }, { key: 'not-listed', n: 4 }]);
    expect(everything.confidence.map((f) => f.n), 'at least confirmed, high, medium, low').to.deep.equal([0, 2, 5, 6]);
    expect(everything.years.map((f) => f.key), 'newest year first').to.deep.equal(['2023', '2022', '2021', '2020']);
    const oldest = await mongo.page({}, { sort: 'oldest' }, 20);
    expect(oldest.refs).to.deep.equal([...(await mongo.page({}, {}, 20)).refs].reverse());
    const ref = (await memory.page({ country: 'EG' }, {}, 1)).refs[0]!;
    expect(await mongo.byRef(ref)).to.deep.equal(await memory.byRef(ref));
    expect((await memory.byRef(ref))!.title).to.equal('Both vendors');
    expect(await mongo.byRef('I-1999-00001')).to.equal(undefined);

    // An incident withdrawn leaves the projection as it leaves the catalogue.
    await mongo.remove([{ id: c.byRef.get(ref)!.id, version: version(2) }]);
    expect(await mongo.byRef(ref)).to.equal(undefined);
    expect(await mongo.count({})).to.equal(5);
  });

  it('when writes of one incident arrive out of order (processes that learnt more or less), then the newest version stands, and a withdrawal is not undone by an older entry', async () => {
    const a = await createEntities();
    await createIncident({ status: 'verified', title: 'Written by two processes', productId: a.product._id });
    const c = await catalogue();
    const entry = c.all[0]!;
    const mongo = new MongoIncidentQueries(mongoose.connection.db!, () => c.entities);
    await mongo.ensureIndexes();
    const older = { ...entry, title: 'An older title' };
    await mongo.apply([{ entry, version: version(20) }]);
    await mongo.apply([{ entry: older, version: version(10) }]);
    expect((await mongo.byRef(entry.ref))?.title, 'an older write after a newer one changes nothing').to.equal('Written by two processes');
    await mongo.apply([{ entry: older, version: version(20, 5) }]);
    expect((await mongo.byRef(entry.ref))?.title, 'the same record derived with later entities replaces it').to.equal('An older title');
    await mongo.apply([{ entry, version: version(20, 4) }]);
    expect((await mongo.byRef(entry.ref))?.title, 'and earlier entities do not').to.equal('An older title');

    await mongo.remove([{ id: entry.id, version: version(30, 5) }]);
    await mongo.apply([{ entry, version: version(20, 5) }]);
    expect(await mongo.count({}), 'the withdrawal stands against an older entry').to.equal(0);
    // A process that learnt an entity edit made after the withdrawal, but not the withdrawal itself.
    await mongo.apply([{ entry, version: version(20, 99) }]);
    expect(await mongo.count({}), 'and against an older record derived with newer entities').to.equal(0);
    expect(await mongo.byRef(entry.ref)).to.equal(undefined);
    expect((await mongo.facets({})).vendors, 'and is counted nowhere').to.deep.equal([]);

    await mongo.apply([{ entry, version: version(40) }]);
    expect(await mongo.count({}), 'published again later: back').to.equal(1);
    expect((await mongo.page({}, {}, 20)).refs).to.deep.equal([entry.ref]);
  });
});
