import { expect } from 'chai';
import i18next from 'i18next';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { createIncident } from '../helpers/factories.js';
import { Vendor } from '../../src/vendors/model.js';

function field(text: string, name: string): string | undefined {
  return new RegExp(`^${name}: (.+)$`, 'm').exec(text)?.[1];
}

describe('pages at-risk submitters look for: /privacy, /security, /contact, /.well-known/security.txt', () => {
  afterEach(closeApps);

  it('when a visitor opens each page in English or Arabic, then it answers in that language and every page links to them from its footer', async () => {
    const { app } = makeApp({ SESSION_IDLE_MINUTES: '25', SESSION_ABSOLUTE_HOURS: '9' });
    const pages = { '/privacy': ['Privacy', 'الخصوصية'], '/security': ['Security', 'الأمان'], '/contact': ['Contact', 'التواصل'] };
    for (const [url, [en, ar]] of Object.entries(pages)) {
      const english = await agent(app).get(url).set('Accept-Language', 'en');
      expect(english.status, url).to.equal(200);
      expect(english.text).to.include(`<h1>${en}</h1>`).and.include('<html lang="en" dir="ltr">');
      const arabic = await agent(app).get(url).set('Accept-Language', 'ar');
      expect(arabic.text).to.include(`<h1>${ar}</h1>`).and.include('<html lang="ar" dir="rtl">');
    }
    const privacy = (await agent(app).get('/privacy').set('Accept-Language', 'en')).text;
    // What it states follows the configuration it runs with.
    expect(privacy).to.include('after 25 minutes without activity and at most 9 hours after sign-in');
    expect(privacy).to.include('No IP address is stored');
    const home = (await agent(app).get('/').set('Accept-Language', 'en')).text;
    for (const url of ['/privacy', '/security', '/contact', '/methodology']) expect(home).to.include(`href="${url}"`);
  });

  it('when no contact is configured, then /contact and /security say that no address is published, and security.txt points to /contact', async () => {
    const { app } = makeApp();
    expect((await agent(app).get('/contact').set('Accept-Language', 'en')).text).to.include('have not published a contact address').and.not.include('mailto:');
    expect((await agent(app).get('/security').set('Accept-Language', 'en')).text).to.include('have not published a security contact address');
    const txt = await agent(app).get('/.well-known/security.txt').set('Host', 'tracker.example.org');
    expect(txt.status).to.equal(200);
    expect(txt.headers['content-type']).to.equal('text/plain; charset=utf-8');
    expect(field(txt.text, 'Contact')).to.equal('http://tracker.example.org/contact');
  });

  it('when contacts are configured, then security.txt (RFC 9116) carries them with an expiry under a year, and the pages link them', async () => {
    const { app } = makeApp({ CONTACT_EMAIL: 'team@tracker.example.org', PUBLIC_URL: 'https://tracker.example.org' });
    const txt = (await agent(app).get('/.well-known/security.txt')).text;
    expect(field(txt, 'Contact')).to.equal('mailto:team@tracker.example.org');
    expect(field(txt, 'Canonical')).to.equal('https://tracker.example.org/.well-known/security.txt');
    expect(field(txt, 'Policy')).to.equal('https://tracker.example.org/security');
    expect(field(txt, 'Preferred-Languages')).to.equal('en, ar');
    const expires = Date.parse(field(txt, 'Expires') ?? '');
    expect(expires).to.be.greaterThan(Date.now()).and.lessThan(Date.now() + 365 * 86_400_000);
    const contact = (await agent(app).get('/contact').set('Accept-Language', 'en')).text;
    expect(contact).to.include('href="mailto:team@tracker.example.org"').and.include('E-mail is not a safe channel');

    const { app: other } = makeApp({ SECURITY_CONTACT: 'https://tracker.example.org/vulnerabilities' });
    expect(field((await agent(other).get('/.well-known/security.txt')).text, 'Contact')).to.equal('https://tracker.example.org/vulnerabilities');
    expect((await agent(other).get('/security').set('Accept-Language', 'en')).text).to.include('href="https://tracker.example.org/vulnerabilities"');
  });
});

describe('rough edges a first visit finds (issue 15)', () => {
  afterEach(closeApps);

  it('when a source has a publisher and a date, then the Arabic page isolates the Latin publisher and separates it with the Arabic comma (not ",Citizen Lab")', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'verified', visibility: 'public' });
    const arabic = (await agent(app).get(`/incidents/${incident.ref}`).set('Accept-Language', 'ar')).text;
    expect(arabic).to.include('<bdi>A Lab</bdi>، <bdi dir="ltr">');
    const english = (await agent(app).get(`/incidents/${incident.ref}`).set('Accept-Language', 'en')).text;
    expect(english).to.include('<bdi>A Lab</bdi>, <bdi dir="ltr">');
  });

  it('when incidents target Bahrain, Qatar and El Salvador, then the map marks each with a dot (Bahrain has no outline at this scale, the others are a few pixels), in both languages, and a country with none gets no dot', async () => {
    const { app } = makeApp();
    for (const country of ['BH', 'QA', 'SV', 'MA']) await createIncident({ status: 'verified', extra: { countries: [country] } });
    for (const lng of ['en', 'ar']) {
      const map = await agent(app).get(`/charts/global/all/targets-map.svg?lng=${lng}`).buffer(true).parse((res, done) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => done(null, body));
      });
      const svg = map.body as string;
      const dots = [...svg.matchAll(/class='small-state' data-country='(\d+)' cx='([\d.]+)' cy='([\d.]+)'/g)].map((m) => ({ country: m[1], x: Number(m[2]), y: Number(m[3]) }));
      expect(dots.map((d) => d.country).sort()).to.deep.equal(['048', '222', '634']);
      // Bahrain and Qatar lie 2 px apart: their dots are moved apart so both show.
      const [bh, qa] = [dots.find((d) => d.country === '048')!, dots.find((d) => d.country === '634')!];
      expect(Math.hypot(bh.x - qa.x, bh.y - qa.y)).to.be.at.least(14);
      expect(svg).to.include(lng === 'ar' ? 'نقطة: بلد أصغر من أن يُرى' : 'dot: a country too small to see');
    }
  });

  it('when a dossier criterion counts one government over several incidents, then it does not say "1 distinct governments"', () => {
    const text = i18next.t('dossier.criteria.government.statement', { lng: 'en', count: 3, governments: 1 });
    expect(text).not.to.match(/\b1 distinct governments\b/);
    expect(text).to.equal('3 verified incidents attribute operation to governments (number of governments: 1).');
    expect(i18next.t('dossier.criteria.civilSociety.statement', { lng: 'en', count: 2, countries: 1 })).not.to.match(/\b1 countries\b/);
  });

  it('when a page past the end of the results is asked for (a stale link), then it says so and links the last page, never "showing 0–980"; the API\'s first/last are 0', async () => {
    const { app } = makeApp();
    for (let i = 0; i < 3; i++) await createIncident({ status: 'verified', visibility: 'public', title: `Listed ${i}` });
    const past = (await agent(app).get('/incidents?page=50').set('Accept-Language', 'en')).text;
    expect(past).not.to.match(/showing \d+–\d+/);
    expect(past).to.include('Page 50 is past the last page of these results (1).').and.include('href="/incidents?page=1"');
    const first = (await agent(app).get('/incidents').set('Accept-Language', 'en')).text;
    expect(first).to.include('showing 1–3');
    const api = await agent(app).get('/api/v1/incidents?page=999');
    expect(api.status).to.equal(200);
    expect(api.body.meta).to.include({ total: 3, first: 0, last: 0 });
  });

  it('when a vendor has a subsidiary, then its facet count on /incidents equals the results its facet link leads to (subsidiaries included)', async () => {
    const { app } = makeApp();
    const parent = await Vendor.create({ slug: 'parent-group', name: 'Parent Group' });
    const child = await Vendor.create({ slug: 'child-labs', name: 'Child Labs', parent: parent._id });
    await createIncident({ status: 'verified', visibility: 'public', vendorId: parent._id, title: 'Parent only' });
    for (let i = 0; i < 2; i++) await createIncident({ status: 'verified', visibility: 'public', vendorId: child._id, title: `Child ${i}` });
    const list = (await agent(app).get('/incidents').set('Accept-Language', 'en')).text;
    const facet = /<a href="(\/incidents\?vendor=parent-group)"><bdi>Parent Group<\/bdi><\/a> <span class="count">(\d+)<\/span>/.exec(list);
    expect(facet?.[2]).to.equal('3');
    const followed = (await agent(app).get(facet![1]!).set('Accept-Language', 'en')).text;
    expect(followed).to.include('3 verified incidents');
  });

  it('when /security speaks of second factors, then it states the roles this site requires them for (REQUIRE_TOTP_ROLES)', async () => {
    const { app } = makeApp({ REQUIRE_TOTP_ROLES: 'reviewer,admin,policymaker' });
    const text = (await agent(app).get('/security').set('Accept-Language', 'en')).text;
    expect(text).to.include('These roles must sign in with a second factor (TOTP) before privileged pages open: Reviewer, Administrator, Policymaker.');
    const { app: usual } = makeApp();
    expect((await agent(usual).get('/security').set('Accept-Language', 'en')).text).to.include('before privileged pages open: Reviewer, Administrator.');
  });
});
