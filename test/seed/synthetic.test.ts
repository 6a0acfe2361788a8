import { expect } from 'chai';
import { Incident } from '../../src/incidents/model.js';
import { seedSynthetic } from '../../src/seed/synthetic.js';
import { agent, closeApps, makeApp } from '../helpers/app.js';

describe('npm run seed -- --synthetic N (scale data)', () => {
  afterEach(closeApps);

  it('when synthetic incidents are generated, then they are valid data: each published one opens as a page, shows in the list and in its vendor profile, and the unpublished ones do not', async function () {
    this.timeout(120_000);
    const { app } = makeApp();
    await seedSynthetic(40);
    const published = await Incident.find({ published: true }).lean();
    const hidden = await Incident.findOne({ published: false }).lean();
    expect(published.length).to.be.greaterThan(20);
    const visitor = agent(app);
    for (const i of published.slice(0, 5)) {
      const page = await visitor.get(`/incidents/${i.ref}`);
      expect(page.status, `${i.ref}: ${page.text.slice(0, 200)}`).to.equal(200);
      expect(page.text).to.include('[synthetic]');
    }
    if (hidden) expect((await visitor.get(`/incidents/${hidden.ref}`)).status).to.equal(404);
    expect((await visitor.get('/incidents')).text).to.include(`${published.length} verified incidents`);
  });
});
