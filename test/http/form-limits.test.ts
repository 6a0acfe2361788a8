import { expect } from 'chai';
import { Report } from '../../src/reports/model.js';
import { buildForm, FormShapeError } from '../../src/http/form-fields.js';
import { agent, closeApps, csrfFrom, makeApp, type Agent } from '../helpers/app.js';
import { encodeForm, postReportMultipart, reportForm } from '../helpers/reports.js';

const deep = `targets${'[a]'.repeat(50)}`;
const hostile: [string, Record<string, string>][] = [
  ['row index 10⁶', { 'targets[1000000][category]': 'journalist' }],
  ['row index 10⁹', { 'targets[999999999][category]': 'journalist' }],
  ['depth 50', { [deep]: 'x' }],
  ['10,000 keys', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, '1']))],
  ['a prototype key', { '__proto__[admin]': '1' }],
];

const multipart = (a: Agent, fields: Record<string, string>) => postReportMultipart(a, fields);

async function urlencoded(a: Agent, fields: Record<string, string>) {
  const token = await csrfFrom(a, '/reports/new');
  return a.post('/reports').type('form').send(encodeForm({ _csrf: token, ...fields }));
}

describe('form field bounds (one anonymous request must not exhaust memory)', () => {
  afterEach(closeApps);

  for (const [label, extra] of hostile) {
    it(`when a multipart report carries ${label}, then 400 with a message, quickly, and nothing stored`, async () => {
      const { app } = makeApp();
      const before = process.memoryUsage().rss;
      const res = await multipart(agent(app), { ...(reportForm() as Record<string, string>), ...extra });
      expect(res.status).to.equal(label === '10,000 keys' ? 413 : 400);
      expect(res.text).to.match(/Nothing was (changed|stored)/);
      expect(await Report.countDocuments({})).to.equal(0);
      // A billion-slot array would cost gigabytes; the refusal costs next to nothing.
      expect(process.memoryUsage().rss - before).to.be.below(200 * 1024 * 1024);
    });

    it(`when an urlencoded report carries ${label}, then 400 with a message and nothing stored`, async () => {
      const { app } = makeApp();
      const res = await urlencoded(agent(app), extra);
      // 10,000 keys of ~8 bytes pass the 100 kB size limit: it is the field count that refuses them.
      expect(res.status).to.equal(400);
      expect(res.text).to.include('Nothing was changed');
      expect(await Report.countDocuments({})).to.equal(0);
    });
  }

  it('when a query string has 150 keys, then 400 (10,000 do not even fit in a request line), and an ordinary search still works', async () => {
    const { app } = makeApp();
    const query = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=1`).join('&');
    const res = await agent(app).get(`/incidents?${query(150)}`);
    expect(res.status).to.equal(400);
    expect(res.text).to.include('too many or malformed parameters');
    expect((await agent(app).get(`/incidents?${query(10_000)}`)).status).to.be.within(400, 431);
    expect((await agent(app).get('/incidents?q=pegasus&lng=ar')).status).to.equal(200);
  });

  it('when a query string is refused on an Arabic visit, then the error page is Arabic (the choice survives the early refusal)', async () => {
    const { app } = makeApp();
    const a = agent(app);
    await a.get('/methodology?lng=ar');
    const query = Array.from({ length: 150 }, (_, i) => `k${i}=1`).join('&');
    const res = await a.get(`/incidents?${query}`);
    expect(res.status).to.equal(400);
    expect(res.text).to.match(/<html lang="ar" dir="rtl">/);
    expect(res.text).to.include('لم يتغير شيء');
  });

  it('when an Arabic page refuses a form, then the message is in Arabic', async () => {
    const { app } = makeApp();
    const a = agent(app);
    await a.get('/reports/new?lng=ar');
    const res = await urlencoded(a, { 'targets[1000000][category]': 'journalist' });
    expect(res.status).to.equal(400);
    expect(res.text).to.include('لم يتغير شيء');
  });

  describe('buildForm', () => {
    it('nests rows as the schemas expect, closing holes in index order', () => {
      expect(buildForm([['targets[2][category]', 'b'], ['targets[0][category]', 'a'], ['country', 'MA'], ['roles', 'x'], ['roles', 'y']])).to.deep.equal({
        targets: [{ category: 'a' }, { category: 'b' }],
        country: 'MA',
        roles: ['x', 'y'],
      });
    });

    it('refuses a field that is both a value and a group, empty brackets and reserved names', () => {
      for (const pairs of [[['a', '1'], ['a[b]', '2']], [['a[]', '1']], [['constructor[prototype][x]', '1']], [['a[b', '1']]] as [string, string][][]) {
        expect(() => buildForm(pairs)).to.throw(FormShapeError);
      }
    });
  });
});
