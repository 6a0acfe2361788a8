import { expect } from 'chai';
import { Incident } from '../../src/incidents/model.js';
import { Vendor } from '../../src/vendors/model.js';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { createIncident } from '../helpers/factories.js';
import { publish } from '../../src/events/index.js';

function entries(xml: string): { id: string; title: string; updated: string; summary: string }[] {
  return [...xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map((m) => ({
    id: /<id>([^<]+)<\/id>/.exec(m[1]!)![1]!,
    title: /<title[^>]*>([^<]+)<\/title>/.exec(m[1]!)![1]!,
    updated: /<updated>([^<]+)<\/updated>/.exec(m[1]!)![1]!,
    summary: /<summary type="text">([\s\S]*?)<\/summary>/.exec(m[1]!)![1]!,
  }));
}

describe('Atom feeds of newly verified incidents (/incidents.atom)', () => {
  afterEach(closeApps);

  it('when a feed is asked for site-wide, per vendor, per country or per search, then it lists the verified public incidents of that selection, newest verification first, escaped, never a draft or a restricted one', async () => {
    const { app } = makeApp();
    const vendor = await Vendor.create({ slug: 'feed-vendor', name: 'Feed Vendor' });
    await publish({ kind: 'entities-changed' });
    const older = await createIncident({ status: 'verified', title: 'Older <b>case</b> & more', vendorId: vendor._id, extra: { countries: ['EG'] } });
    const newer = await createIncident({ status: 'verified', title: 'Newer case', vendorId: vendor._id, extra: { countries: ['MA'] } });
    await Incident.updateOne({ _id: older._id }, { $set: { 'verification.verifiedAt': new Date('2026-01-01T00:00:00Z') } });
    await Incident.updateOne({ _id: newer._id }, { $set: { 'verification.verifiedAt': new Date('2026-02-01T00:00:00Z') } });
    await publish({ kind: 'incidents-changed', ids: [older._id, newer._id] });
    await createIncident({ status: 'draft', title: 'CANARY-DRAFT', vendorId: vendor._id });
    await createIncident({ status: 'verified', visibility: 'restricted', title: 'CANARY-RESTRICTED', vendorId: vendor._id });
    await createIncident({ status: 'verified', title: 'Other vendor case', extra: { countries: ['EG'] } });

    const res = await agent(app).get('/incidents.atom?vendor=feed-vendor').set('Accept-Language', 'en');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/atom+xml; charset=utf-8');
    const xml = res.text;
    expect(xml).to.match(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom" xml:lang="en">/);
    expect(xml).to.include('<title>Surveillance Misuse Tracker · Newly verified incidents · Feed Vendor</title>');
    const items = entries(xml);
    expect(items.map((i) => i.title)).to.deep.equal([`${newer.ref}: Newer case`, `${older.ref}: Older &lt;b&gt;case&lt;/b&gt; &amp; more`]);
    expect(items[0]!.updated).to.equal('2026-02-01T00:00:00.000Z');
    expect(items[0]!.id).to.match(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/incidents/${newer.ref}$`));
    expect(items[0]!.summary).to.include('Named in findings: Feed Vendor');
    expect(xml).to.not.include('CANARY');
    // Per country and per search; the whole site.
    expect(entries((await agent(app).get('/incidents.atom?country=EG')).text).map((i) => i.title.split(':')[0])).to.have.members([older.ref, (await Incident.findOne({ title: 'Other vendor case' }).lean())!.ref]);
    expect(entries((await agent(app).get('/incidents.atom?q=newer')).text)).to.have.length(1);
    expect(entries((await agent(app).get('/incidents.atom')).text)).to.have.length(3);
    // In Arabic; a bad filter is a 400 as on /incidents.
    expect((await agent(app).get('/incidents.atom').set('Accept-Language', 'ar')).text).to.include('xml:lang="ar"');
    expect((await agent(app).get('/incidents.atom?year=abc')).status).to.equal(400);
    // Pages announce their feed.
    expect((await agent(app).get('/incidents?vendor=feed-vendor')).text).to.include('<link rel="alternate" type="application/atom+xml" href="/incidents.atom?vendor=feed-vendor"');
    expect((await agent(app).get('/vendors/feed-vendor')).text).to.include('href="/incidents.atom?vendor=feed-vendor"');
  });
});
