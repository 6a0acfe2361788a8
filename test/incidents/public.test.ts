import { expect } from 'chai';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createIncident, createUser, signIn } from '../helpers/factories.js';
import { postReport } from '../helpers/reports.js';

describe('public pages show only verified public incidents and never an identity', () => {
  afterEach(closeApps);

  it('when incidents exist in every state, then a scan of every public page finds only the published one and no identity canary', async () => {
    const { app } = makeApp();
    // A report with identity canaries, turned into an incident and published.
    const researcher = await createUser();
    const s = agent(app);
    await signIn(s, researcher);
    await postReport(s);
    const published = await createIncident({ status: 'verified', visibility: 'public', title: 'CANARY-PUBLISHED' });
    const hidden = await Promise.all([
      createIncident({ status: 'draft', title: 'CANARY-DRAFT' }),
      createIncident({ status: 'in-review', title: 'CANARY-IN-REVIEW' }),
      createIncident({ status: 'disputed', title: 'CANARY-DISPUTED' }),
      createIncident({ status: 'verified', visibility: 'restricted', title: 'CANARY-RESTRICTED' }),
      createIncident({ status: 'retracted', visibility: 'restricted', title: 'CANARY-RETRACTED' }),
    ]);
    const visitor = agent(app);
    const pages = ['/', '/incidents', '/incidents?page=2', '/methodology', '/track', '/reports/new', `/incidents/${published.ref}`, ...hidden.map((i) => `/incidents/${i.ref}`)];
    for (const lng of ['en', 'ar']) {
      for (const path of pages) {
        const res = await visitor.get(`${path}${path.includes('?') ? '&' : '?'}lng=${lng}`);
        expect(res.text, path).not.to.match(/CANARY-(DRAFT|IN-REVIEW|DISPUTED|RESTRICTED|RETRACTED|IDENTITY|SUBMITTER)|canary-contact/);
      }
    }
    expect((await visitor.get('/incidents')).text).to.include('CANARY-PUBLISHED');
    for (const i of hidden) expect((await visitor.get(`/incidents/${i.ref}`)).status).to.equal(404);
    // A researcher is not staff: the same 404s.
    for (const i of hidden) expect((await s.get(`/incidents/${i.ref}`)).status).to.equal(404);
  });

  it('when a reviewer opens an unpublished incident, then it is shown with a clear label', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review', visibility: 'restricted', title: 'Work in progress' });
    const reviewer = await createUser({ roles: ['reviewer'], totp: true });
    const a = agent(app);
    await signIn(a, reviewer);
    const page = await a.get(`/incidents/${incident.ref}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('Not public:');
    expect(page.text).to.include('In review');
    expect(page.text).to.include('Restricted');
  });

  it('when a target has not consented, then the public page shows the category and withholds the pseudonym', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'verified', pseudonym: 'Pseudonym-Without-Consent' });
    const page = await agent(app).get(`/incidents/${incident.ref}`);
    expect(page.text).to.include('Journalist');
    expect(page.text).not.to.include('Pseudonym-Without-Consent');
    expect(page.text).to.include('details withheld');
  });

  it('when the list is paged, then pages do not overlap and the count is right', async () => {
    const { app } = makeApp();
    for (let i = 0; i < 23; i++) await createIncident({ status: 'verified', title: `Paged incident ${String(i).padStart(2, '0')}` });
    const first = (await agent(app).get('/incidents')).text;
    const second = (await agent(app).get('/incidents?page=2')).text;
    const titles = (html: string) => [...html.matchAll(/Paged incident (\d\d)/g)].map((m) => m[1]);
    expect(titles(first)).to.have.length(20);
    expect(titles(second)).to.have.length(3);
    expect(new Set([...titles(first), ...titles(second)]).size).to.equal(23);
    expect(first).to.include('23 verified incidents');
    expect((await agent(app).get('/incidents?page=x')).status).to.equal(400);
    expect((await agent(app).get('/incidents?page=1&page=2')).status).to.equal(400);
  });
});

describe('POST /incidents/:ref (editor)', () => {
  afterEach(closeApps);

  it('when the editor form is invalid, then 422 with messages and nothing changes; scripts are rendered escaped', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'draft', title: 'Original title' });
    const reviewer = await createUser({ roles: ['reviewer'], totp: true });
    const a = agent(app);
    await signIn(a, reviewer);
    const token = await csrfFrom(a, `/incidents/${incident.ref}/edit`);
    const base = { _csrf: token, title: 'New', summary: 'S', 'dates[from]': '2021', countries: 'MA', visibility: 'public', 'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'P' };
    for (const bad of [
      { 'dates[from]': 'yesterday' },
      { countries: 'ZZ' },
      { visibility: 'everyone' },
      { 'attributions[0][kind]': 'product', 'attributions[0][confidence]': 'high', 'attributions[0][basis]': 'b' },
      { 'attributions[0][kind]': 'vendor', 'attributions[0][vendor]': '65a000000000000000000000', 'attributions[0][confidence]': 'high', 'attributions[0][basis]': 'b' },
      { 'title[$ne]': 'x' },
      { published: 'true' },
    ]) {
      const res = await a.post(`/incidents/${incident.ref}`).type('form').send({ ...base, ...bad });
      expect(res.status, JSON.stringify(bad)).to.be.oneOf([400, 422]);
    }
    const unchanged = await a.get(`/incidents/${incident.ref}`);
    expect(unchanged.text).to.include('Original title');
    const xss = '<script>alert(1)</script>';
    expect((await a.post(`/incidents/${incident.ref}`).type('form').send({ ...base, title: xss, summary: xss })).status).to.equal(302);
    const page = await a.get(`/incidents/${incident.ref}`);
    expect(page.text).not.to.include('<script>alert(1)');
    expect(page.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
