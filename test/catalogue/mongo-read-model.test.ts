import { expect } from 'chai';
import mongoose from 'mongoose';
import { catalogue } from '../../src/catalogue/index.js';
import { FollowingProjection, PROJECTION } from '../../src/catalogue/mongo-queries.js';
import { answerPublishedWith, CatalogueQueries, publishedQueries, type IncidentQueries } from '../../src/catalogue/queries.js';
import { loadConfig } from '../../src/config.js';
import { acrossPages, agent, binary, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createEntities, createIncident, signedInAs } from '../helpers/factories.js';
import { publish } from '../../src/events/index.js';
import { Incident } from '../../src/incidents/model.js';

const projection = () => mongoose.connection.db!.collection(PROJECTION);

function count(html: string): number {
  const m = /result-count" role="status">(\d+) verified incident/.exec(html);
  return m ? Number(m[1]) : -1;
}

/**
 * READ_MODEL=mongodb (catalogue/mongo-queries.ts FollowingProjection): the public lists are asked of
 * the projection collection, which follows what the catalogue learns. Here on the embedded engine
 * (or MongoDB wherever MONGODB_URI points), through the real pages.
 */
describe('READ_MODEL=mongodb: the public lists answered by the MongoDB projection', () => {
  let before: IncidentQueries | undefined;
  let following: FollowingProjection | undefined;

  afterEach(async () => {
    // Its periodic sync must not write into the next test's database.
    await following?.stop();
    following = undefined;
    if (before) answerPublishedWith(before);
    before = undefined;
    expect(publishedQueries(), 'the next tests are answered by the catalogue again').to.be.instanceOf(CatalogueQueries);
    await closeApps();
    await projection().drop().catch(() => undefined);
  });

  async function useProjection() {
    following = await new FollowingProjection(mongoose.connection.db!, catalogue).start();
    // What answered before the test (a test that starts a second projection must not restore the first).
    const previous = answerPublishedWith(following);
    before ??= previous;
  }

  it('is refused without MONGODB_URI, since the embedded engine would scan for every question', () => {
    expect(() => loadConfig({ READ_MODEL: 'mongodb' })).to.throw(/READ_MODEL: mongodb needs MONGODB_URI/);
    expect(loadConfig({ READ_MODEL: 'mongodb', MONGODB_URI: 'mongodb://127.0.0.1:27017/tracker' }).READ_MODEL).to.equal('mongodb');
    expect(loadConfig({}).READ_MODEL).to.equal('catalogue');
  });

  it('when incidents are published and one is retracted through the review route, then /incidents, its facets, the home page and the stored projection follow', async () => {
    const { vendor, product } = await createEntities();
    await useProjection();
    const { app } = makeApp();
    const kept = await createIncident({ status: 'verified', title: 'Kept in the list', productId: product._id });
    const retracted = await createIncident({ status: 'verified', title: 'Retracted later', productId: product._id });
    await createIncident({ status: 'in-review', title: 'Still in review', productId: product._id });

    const list = (await agent(app).get(`/incidents?vendor=${vendor.slug}`)).text;
    expect(count(list)).to.equal(2);
    expect(list).to.include('Kept in the list').and.include('Retracted later').and.not.include('Still in review');
    expect((await projection().find({}).toArray()).map((d) => String(d.ref)).sort()).to.deep.equal([kept.ref, retracted.ref].sort());

    const r = await signedInAs(app, ['reviewer']);
    const token = await csrfFrom(r, `/incidents/${retracted.ref}`);
    expect((await r.post(`/incidents/${retracted.ref}/retract`).type('form').send({ _csrf: token, reason: 'The traces were misread.' })).status).to.equal(302);

    const after = (await agent(app).get(`/incidents?vendor=${vendor.slug}`)).text;
    expect(count(after)).to.equal(1);
    expect(after).to.include('Kept in the list').and.not.include('Retracted later');
    expect(await projection().countDocuments({ ref: retracted.ref, published: true }), 'the retracted incident is counted no more').to.equal(0);
    expect(await projection().countDocuments({ _id: String(retracted._id) as never, published: false }), 'it is a marker of the withdrawal').to.equal(1);
    expect((await agent(app).get('/')).text).to.include('Kept in the list').and.not.include('Retracted later');
    const csv = (await agent(app).get(`/incidents.csv?vendor=${vendor.slug}`)).text;
    expect(csv).to.include(kept.ref).and.not.include(retracted.ref);
    const claims = (await agent(app).get(`/claims.csv?vendor=${vendor.slug}`)).text;
    expect(claims).to.include(kept.ref).and.not.include(retracted.ref);
    const api = (await agent(app).get('/api/v1/incidents')).body as { data: { ref: string }[]; meta: { total: number } };
    expect(api.meta.total).to.equal(1);
    expect(api.data.map((d) => d.ref)).to.deep.equal([kept.ref]);
  });

  it('when the projection says something the catalogue does not, then the list shows the projection: the engine answers', async () => {
    await useProjection();
    const { app } = makeApp();
    const incident = await createIncident({ status: 'verified', title: 'Seen in Morocco' });
    // (Another address than the one asked below: anonymous pages are cached per version of the catalogue, which this change does not touch.)
    expect(count((await agent(app).get('/incidents?country=IS&sort=oldest')).text)).to.equal(0);
    // Changed behind the catalogue's back (never done by the app): only an answer from the projection lists it for Iceland.
    await projection().updateOne({ ref: incident.ref }, { $set: { countries: ['IS'] } });
    const iceland = (await agent(app).get('/incidents?country=IS')).text;
    expect(count(iceland)).to.equal(1);
    expect(iceland).to.include('Seen in Morocco');
    expect((await agent(app).get('/incidents.csv?country=IS')).text, 'the CSV streams the projection\'s references').to.include(incident.ref);
    const bad = await agent(app).get('/incidents.csv?country=XX');
    expect(bad.status, 'a bad query is refused before any row').to.equal(400);
    expect(bad.headers['content-disposition']).to.equal(undefined);
  });

  it('when the projection says something the catalogue does not, then a profile\'s figures and charts, the vendors\' index and the API\'s counts show the projection: what a filter counts is asked of it', async () => {
    const { vendor, product } = await createEntities();
    const other = await createEntities();
    await useProjection();
    const { app } = makeApp();
    const incident = await createIncident({ status: 'verified', title: 'Counted by the engine', productId: product._id });
    await createIncident({ status: 'verified', title: 'Another vendor', productId: other.product._id });
    // A question waits for the projection to hold both (another address than those asked below: pages are cached per catalogue version).
    expect(count((await agent(app).get('/incidents?sort=oldest')).text)).to.equal(2);
    // Changed behind the catalogue's back (never done by the app), before any page of this version is rendered.
    await projection().updateOne({ ref: incident.ref }, { $set: { countries: ['IS'], categories: ['academic'], year: 2019 } });
    await projection().updateMany({ vendorIds: String(other.vendor._id) }, { $set: { vendorIds: [] } });

    const page = (await agent(app).get(`/vendors/${vendor.slug}`)).text;
    expect(page).to.include('Iceland 1').and.include('2019: 1').and.include('Academic 1');
    expect(page, 'the rows are still the catalogue\'s entries').to.include('Counted by the engine');
    const svg = async (kind: string) => String((await binary(agent(app), `/charts/vendor/${vendor.slug}/${kind}.svg?lng=en`)).body);
    expect(await svg('targets-map')).to.include('Iceland: 1');
    expect(await svg('years')).to.include('>2019<').and.not.include('>2021<');
    const index = (await agent(app).get('/vendors')).text;
    const cell = (slug: string) => new RegExp(`href="/vendors/${slug}"><bdi>[^<]*</bdi></a></td><td>[^<]*</td><td class="num">(\\d+)<`).exec(index)?.[1];
    expect(cell(vendor.slug)).to.equal('1');
    expect(cell(other.vendor.slug), 'the projection names no vendor for it').to.equal('0');
    const api = (await agent(app).get(`/api/v1/vendors/${other.vendor.slug}`)).body as { data: { incidents: number } };
    expect(api.data.incidents, 'the API counts as the index does').to.equal(0);
  });

  it('when "next" is followed while an incident is published, then the projection gives every incident once, as the catalogue does', async () => {
    await useProjection();
    const { app } = makeApp();
    for (let i = 0; i < 25; i++) await createIncident({ status: 'verified', title: `Paged ${String(i).padStart(2, '0')}`, extra: { 'dates.start': new Date(Date.UTC(2020, 0, 1 + (i % 5))) } });
    const html = (await agent(app).get('/incidents')).text;
    await createIncident({ status: 'verified', title: 'Published meanwhile', extra: { 'dates.start': new Date(Date.UTC(2025, 0, 1)) } });
    const seen = await acrossPages(agent(app), html, />Paged (\d\d)</g);
    expect(seen.length).to.equal(25);
    expect(new Set(seen).size).to.equal(25);
  });

  it('when the app starts again on a projection it wrote, then it writes only what changed meanwhile, and everything after an upgrade', async () => {
    const kept = await createIncident({ status: 'verified', title: 'Unchanged while stopped' });
    const edited = await createIncident({ status: 'verified', title: 'Edited while stopped' });
    await useProjection();
    await following!.stop();
    // Marks the stored documents, so a rewrite shows: the version is left as written.
    await projection().updateMany({}, { $set: { title: 'As the last run wrote it' } });
    await Incident.updateOne({ _id: edited._id }, { $set: { title: 'Edited while stopped, again' } });
    await publish({ kind: 'incidents-changed', ids: [edited._id] });
    await useProjection();
    const titles = async () => new Map((await projection().find({}).toArray()).map((d) => [String(d.ref), String(d.title)]));
    expect(await titles()).to.deep.equal(
      new Map([
        [kept.ref, 'As the last run wrote it'],
        [edited.ref, 'Edited while stopped, again'],
      ]),
    );

    await following!.stop();
    await projection().updateOne({ _id: String(kept._id) as never }, { $set: { derivedBy: 'an older release' } });
    await useProjection();
    expect((await titles()).get(kept.ref), 'derived by other code: written again').to.equal('Unchanged while stopped');
  });

  it('when the projection holds incidents from before (one since withdrawn, one out of date), then the first sync marks the one and rewrites the other', async () => {
    const current = await createIncident({ status: 'verified', title: 'Current' });
    // As an earlier run wrote them, at an older version.
    await projection().insertOne({ _id: 'ffffffffffffffffffffffff' as never, ref: 'I-2020-99999', title: 'Withdrawn while no process ran', start: 0, countries: ['MA'], published: true, version: 1 });
    await projection().insertOne({ _id: String(current._id) as never, ref: current.ref, title: 'An old title', start: 0, countries: ['IS'], published: true, version: 1 });
    await useProjection();
    const counted = await projection().find({ published: true }).toArray();
    expect(counted.map((d) => String(d.title))).to.deep.equal(['Current']);
    expect(counted[0]!.countries).to.deep.equal(['MA']);
    expect(await projection().countDocuments({ _id: 'ffffffffffffffffffffffff' as never, published: false }), 'the withdrawn one is a marker').to.equal(1);
    const { app } = makeApp();
    expect(count((await agent(app).get('/incidents')).text)).to.equal(1);
  });
});
