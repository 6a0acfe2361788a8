import { expect } from 'chai';
import { testConfig } from '../helpers/engine.js';
import { Incident } from '../../src/incidents/model.js';
import { Review } from '../../src/verification/model.js';
import { Vendor } from '../../src/vendors/model.js';
import { catalogue } from '../../src/catalogue/index.js';
import { Product } from '../../src/products/model.js';
import { seedDemo } from '../../src/seed/demo.js';
import { verifyAuditChain } from '../../src/audit/index.js';
import { agent, closeApps, makeApp } from '../helpers/app.js';

describe('npm run seed (demonstration data)', () => {
  afterEach(closeApps);

  it('when loaded, then every incident is verified by two reviewers, cites public sources, and names no person; a second run adds nothing', async function () {
    this.timeout(120_000);
    const result = await seedDemo(testConfig());
    expect(result.demo).to.equal('loaded');
    const incidents = await Incident.find({}).lean();
    expect(incidents.length).to.be.at.least(12);
    for (const i of incidents) {
      expect(i.verification?.status).to.equal('verified');
      expect(i.published).to.equal(true);
      expect(i.sources.length).to.be.at.least(1);
      for (const s of i.sources) {
        expect(s.url).to.match(/^https:\/\//);
        expect(s.title).to.be.a('string').and.not.equal('');
        expect(s.publisher).to.be.a('string').and.not.equal('');
        expect(s.date).to.be.instanceOf(Date);
      }
      for (const a of i.attributions) expect(a.sources.every((n) => n >= 0 && n < i.sources.length)).to.equal(true);
      for (const t of i.targets) expect(t.identity?.ct).to.equal(undefined);
      const approvers = await Review.distinct('reviewer', { incident: i._id, decision: 'approve' });
      expect(approvers).to.have.length(2);
    }
    const nso = (await Vendor.findOne({ slug: 'nso-group' }).lean())!;
    expect((await catalogue()).entities.listingsOf(String(nso._id))[0]).to.deep.include({ regime: 'us-entity-list', status: 'listed', date: '2021-11-04', action: 'us-entity-list-2021-11-04' });
    // One action names both companies it listed; Thalestris is covered by the OFAC designation only.
    const [nsoAction] = (await catalogue()).entities.actionsOf(String(nso._id));
    expect(nsoAction!.entities).to.have.length(2);
    const thalestris = (await Vendor.findOne({ slug: 'thalestris' }).lean())!;
    expect((await catalogue()).entities.listingsOf(String(thalestris._id)).map((l) => l.regime)).to.deep.equal(['us-ofac-sdn']);
    expect((await Product.findOne({ slug: 'pegasus' }).lean())!.nameAr).to.equal('بيغاسوس');
    expect((await verifyAuditChain()).ok).to.equal(true);

    expect((await seedDemo(testConfig())).demo).to.equal('already loaded');
    expect(await Incident.countDocuments({})).to.equal(incidents.length);

    const { app } = makeApp();
    const home = await agent(app).get('/');
    expect(home.text).to.include('Demonstration data.');
    const ar = await agent(app).get('/incidents?lng=ar');
    expect(ar.text).to.include(`${incidents.length} حادثة موثّقة`);
  });
});
