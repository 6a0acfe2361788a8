import { expect } from 'chai';
import mongoose from 'mongoose';
import { catalogue, type ResolvedFilter } from '../../src/catalogue/index.js';
import { MongoIncidentQueries, PROJECTION } from '../../src/catalogue/mongo-queries.js';
import { CatalogueQueries, type IncidentQueries } from '../../src/catalogue/queries.js';
import { CONFIDENCE_RANK } from '../../src/catalogue/entry.js';
import { createEntities, createIncident } from '../helpers/factories.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

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
    const incident = (title: string, extra: Record<string, unknown>, props: Parameters<typeof createIncident>[0] = {}) => createIncident({ status: 'verified', title, ...props, extra });
    const at = (y: number, m: number) => ({ dates: { from: { y, m }, start: new Date(Date.UTC(y, m - 1, 1)), end: new Date(Date.UTC(y, m, 0, 23, 59, 59)) }, year: y });
    await incident('Forensic traces in Rabat', at(2021, 7), { productId: a.product._id, governmentId: a.government._id });
    await incident('Second vendor in Cairo', { ...at(2022, 3), countries: ['EG'], targets: [{ category: 'activist', pseudonym: 'Activist B', consentToPublish: false }] }, { vendorId: b.vendor._id });
    await incident('Both vendors', { ...at(2023, 11), countries: ['EG', 'MA'] }, { productId: b.product._id, vendorId: a.vendor._id });
    // A lead only: never counted for the vendor it names.
    await incident('Lead only', { ...at(2020, 1), attributions: [{ kind: 'vendor', vendor: b.vendor._id, confidence: 'low', basis: 'A guess.', sources: [0] }] });
    // Not public: in neither.
    await createIncident({ status: 'in-review', title: 'Still in review', productId: a.product._id });
    await createIncident({ status: 'verified', visibility: 'restricted', title: 'Restricted', productId: a.product._id });

    const c = await catalogue();
    const memory: IncidentQueries = new CatalogueQueries(catalogue);
    const mongo = new MongoIncidentQueries(mongoose.connection.db!, () => c.entities);
    await mongo.ensureIndexes();
    await mongo.apply(c.all);

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
      for (const [page, perPage] of [[1, 2], [2, 2], [1, 20]] as const) {
        expect(await mongo.page(filter, page, perPage), `${label}: page ${page} of ${perPage}`).to.deep.equal(await memory.page(filter, page, perPage));
      }
      expect(await mongo.count(filter), `${label}: count`).to.equal(await memory.count(filter));
      expect(await mongo.facets(filter), `${label}: facets`).to.deep.equal(await memory.facets(filter));
      expect(await mongo.stats(filter), `${label}: stats`).to.deep.equal(await memory.stats(filter));
    }
    // What the answers are, not only that they agree.
    expect((await memory.page({}, 1, 20)).total).to.equal(4);
    expect((await memory.page({ vendorIds: c.entities.vendorFamily(String(b.vendor._id)) }, 1, 20)).refs.length, 'the lead is not a finding').to.equal(2);
    const ref = (await memory.page({ country: 'EG' }, 1, 1)).refs[0]!;
    expect(await mongo.byRef(ref)).to.deep.equal(await memory.byRef(ref));
    expect((await memory.byRef(ref))!.title).to.equal('Both vendors');
    expect(await mongo.byRef('I-1999-00001')).to.equal(undefined);

    // An incident withdrawn leaves the projection as it leaves the catalogue.
    await mongo.remove([c.byRef.get(ref)!.id]);
    expect(await mongo.byRef(ref)).to.equal(undefined);
    expect(await mongo.count({})).to.equal(3);
  });
});
