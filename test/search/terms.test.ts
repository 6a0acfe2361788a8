import { expect } from 'chai';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { createIncident } from '../helpers/factories.js';

function count(html: string): number {
  const m = /result-count" role="status">(\d+) verified incident/.exec(html);
  return m ? Number(m[1]) : m === null && /result-count" role="status">No verified incidents/.test(html) ? 0 : -1;
}

describe('search: country and category names in both languages', () => {
  afterEach(closeApps);

  it('when someone searches for a target country or category by its Arabic or English name, then the incidents recorded so are found, and only those', async () => {
    const { app } = makeApp();
    await createIncident({ status: 'verified', title: 'Case one', extra: { countries: ['EG'], targets: [{ category: 'journalist', pseudonym: 'J', consentToPublish: false }] } });
    await createIncident({ status: 'verified', title: 'Case two', extra: { countries: ['MA'], targets: [{ category: 'activist', pseudonym: 'A', consentToPublish: false }] } });
    const hits = async (q: string) => count((await agent(app).get(`/incidents?q=${encodeURIComponent(q)}`).set('Accept-Language', 'en')).text);
    expect(await hits('مصر')).to.equal(1);
    expect(await hits('المغرب')).to.equal(1);
    expect(await hits('Morocco')).to.equal(1);
    expect(await hits('صحفي')).to.equal(1);
    expect(await hits('ناشط')).to.equal(1);
    expect(await hits('journalist')).to.equal(1);
    expect(await hits('صحفي المغرب')).to.equal(0);
    // English plurals and other forms, through the stemmer: "activists" finds the activist.
    expect(await hits('activists')).to.equal(1);
    expect(await hits('journalists')).to.equal(1);
  });
});
