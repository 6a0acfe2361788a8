import { expect } from 'chai';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { createIncident } from '../helpers/factories.js';

describe('data licence and how to cite', () => {
  afterEach(closeApps);

  it('when the operators state a licence, then the pages name it and every export links it (rel=license); unset, the pages say none is stated and no export claims one', async () => {
    const incident = await createIncident({ status: 'verified', title: 'Citable case' });
    const { app } = makeApp({ DATA_LICENCE: 'CC-BY-4.0', PUBLIC_URL: 'http://tracker.example.org' });
    const page = (await agent(app).get(`/incidents/${incident.ref}`).set('Accept-Language', 'en')).text;
    expect(page).to.include('How to cite');
    expect(page).to.include(`http://tracker.example.org/incidents/${incident.ref}`);
    expect(page).to.include('rel="license noopener noreferrer">Creative Commons Attribution 4.0 International (CC BY 4.0)</a>');
    for (const url of ['/incidents.csv', '/claims.csv', '/incidents.atom', '/api/v1/incidents', '/listings/candidates.csv', '/listings/candidates.json']) {
      expect((await agent(app).get(url)).headers.link, url).to.equal('<https://creativecommons.org/licenses/by/4.0/>; rel="license"');
    }
    await closeApps();
    const { app: unset } = makeApp();
    const plain = (await agent(unset).get(`/incidents/${incident.ref}`).set('Accept-Language', 'en')).text;
    expect(plain).to.include('The operators have not stated a licence for this data');
    expect((await agent(unset).get('/incidents.csv')).headers.link).to.equal(undefined);
    expect((await agent(unset).get('/methodology').set('Accept-Language', 'ar')).text).to.include('لم يعلن المشغّلون ترخيصًا');
  });
});
