import { expect } from 'chai';
import mongoose from 'mongoose';
import { AuditEvent } from '../../src/audit/index.js';
import { Report, ReportMessage } from '../../src/reports/model.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createEntities, createUser, signIn } from '../helpers/factories.js';
import { encodeForm, postReport, reportForm } from '../helpers/reports.js';

const year = new Date().getUTCFullYear();

describe('POST /reports', () => {
  afterEach(closeApps);

  it('when a signed-in researcher submits, then the report is stored with its reference and shown in their list', async () => {
    const { app } = makeApp();
    const { product, vendor } = await createEntities();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    const res = await postReport(a, reportForm({ suspectedProducts: [String(product._id)], suspectedVendors: String(vendor._id) }));
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/reports/R-${year}-00001`);
    const report = await Report.findOne({ ref: `R-${year}-00001` }).lean();
    expect(report?.submitter?.user?.toString()).to.equal(account.user.id);
    expect(report?.status).to.equal('submitted');
    expect(report?.dates?.from).to.deep.equal({ y: 2021, m: 7 });
    expect(report?.indicators).to.deep.equal([{ type: 'domain', value: 'free247downloads.com' }]);
    expect(report?.suspected?.products.map(String)).to.deep.equal([String(product._id)]);
    const page = await a.get(`/reports/R-${year}-00001`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('Journalist phone infected after SMS link');
    expect(page.text).not.to.include('CANARY-IDENTITY');
    expect((await a.get('/reports')).text).to.include(`R-${year}-00001`);
    expect(await AuditEvent.countDocuments({ action: 'report.submitted', 'subject.id': `R-${year}-00001` })).to.equal(1);
  });

  it('when identities are given, then a raw read of the database shows no plaintext, only sealed values with a key id', async () => {
    const { app } = makeApp();
    await postReport(agent(app));
    const raw = await mongoose.connection.db!.collection('reports').findOne({});
    const text = JSON.stringify(raw);
    expect(text).not.to.include('CANARY-IDENTITY');
    expect(text).not.to.include('canary-contact');
    expect(text).not.to.include('CANARY-SUBMITTER');
    expect(raw!.targets[0].identity).to.have.keys(['kid', 'iv', 'ct', 'tag']);
    expect(raw!.targets[0].identity.kid).to.equal('test');
    expect(raw!.submitter.contact.ct).to.be.a('string');
  });

  const badInputs: [string, Record<string, unknown>, string][] = [
    ['a missing title', { title: '' }, 'f-title-error'],
    ['an impossible date', { 'dates[from]': '2021-13' }, 'f-dates-from-error'],
    ['a range that ends before it starts', { 'dates[from]': '2021-07', 'dates[to]': '2020' }, 'f-dates-to-error'],
    ['a country that does not exist', { country: 'XX' }, 'f-country-error'],
    ['a javascript: source URL', { 'sources[0][url]': 'javascript:alert(1)' }, 'f-sources-0-url-error'],
    ['an indicator that is not a domain', { 'indicators[0][value]': 'not a domain!' }, 'f-indicators-0-value-error'],
    ['a sha256 of the wrong length', { 'indicators[0][type]': 'sha256', 'indicators[0][value]': 'abc123' }, 'f-indicators-0-value-error'],
    ['no target at all', { 'targets[0][category]': '', 'targets[0][pseudonym]': '', 'targets[0][identity]': '', 'targets[0][contact]': '' }, 'validation'],
    ['a suspected product that does not exist', { suspectedProducts: '65a000000000000000000000' }, 'f-suspectedProducts-error'],
  ];
  for (const [what, override, marker] of badInputs) {
    it(`when the form has ${what}, then 422 with the message by the field, the input kept, and nothing stored`, async () => {
      const { app } = makeApp();
      const res = await postReport(agent(app), reportForm(override));
      expect(res.status).to.equal(422);
      if (marker !== 'validation') expect(res.text).to.include(`id="${marker}"`);
      expect(res.text).to.include('There is a problem');
      expect(res.text).to.include('A journalist received an SMS with a link');
      expect(await Report.countDocuments({})).to.equal(0);
    });
  }

  it('when fields carry operators or unknown keys, then 422 (400 when a field is both a value and a group) and nothing stored', async () => {
    const { app } = makeApp();
    const a = agent(app);
    for (const extra of ['title[$gt]=', 'country[$ne]=XX', 'status=linked', 'submitter[user]=65a000000000000000000000', 'targets[0][identity][$gt]=']) {
      const token = await csrfFrom(a, '/reports/new');
      const res = await a.post('/reports').type('form').send(`${encodeForm({ _csrf: token, ...reportForm() })}&${extra}`);
      // `title` and `title[$gt]` at once cannot be one field: the body is refused before validation.
      expect(res.status, extra).to.equal(/\[\$/.test(extra) ? 400 : 422);
    }
    expect(await Report.countDocuments({})).to.equal(0);
  });

  it('when fields carry prototype keys, then they are refused or dropped: nothing stored with them, nothing polluted', async () => {
    const { app } = makeApp();
    const a = agent(app);
    const token = await csrfFrom(a, '/reports/new');
    const res = await a.post('/reports').type('form').send(`${encodeForm({ _csrf: token, ...reportForm() })}&__proto__[admin]=1&constructor[prototype][polluted]=1`);
    expect(res.status).to.be.oneOf([303, 400, 422]);
    const raw = await mongoose.connection.db!.collection('reports').find({}).toArray();
    expect(JSON.stringify(raw)).not.to.match(/admin|polluted|__proto__/);
    expect(({} as Record<string, unknown>).admin).to.equal(undefined);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('when every text field carries a script, then it is stored inert and rendered escaped', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    const xss = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const res = await postReport(a, reportForm({ title: xss, narrative: xss, vectorDetail: xss, suspectedOther: xss, 'targets[0][pseudonym]': xss, 'sources[0][title]': xss, 'sources[0][publisher]': xss }));
    expect(res.status).to.equal(303);
    const page = await a.get(res.headers.location as string);
    expect(page.text).not.to.include('<script>alert(1)');
    expect(page.text).not.to.include('<img src=x');
    expect(page.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('when the body is larger than the limit, then 413 and nothing stored', async () => {
    const { app } = makeApp();
    const res = await postReport(agent(app), reportForm({ narrative: 'x'.repeat(150_000) }));
    expect(res.status).to.equal(413);
    expect(await Report.countDocuments({})).to.equal(0);
  });

  it('when 50 reports are submitted at once, then their references are unique and gap-free', async () => {
    const { app } = makeApp();
    const account = await createUser();
    const a = agent(app);
    await signIn(a, account);
    const token = await csrfFrom(a, '/reports/new');
    const body = encodeForm({ _csrf: token, ...reportForm() });
    const results = await Promise.all(Array.from({ length: 50 }, () => a.post('/reports').type('form').send(body)));
    expect(results.map((r) => r.status)).to.deep.equal(Array(50).fill(303));
    const refs = (await Report.find({}, { ref: 1 }).lean()).map((r) => r.ref).sort();
    expect(refs).to.deep.equal(Array.from({ length: 50 }, (_, i) => `R-${year}-${String(i + 1).padStart(5, '0')}`));
  });

  it('when a stored report is changed and saved through the model, then it refuses (immutable once submitted)', async () => {
    const { app } = makeApp();
    await postReport(agent(app));
    const report = (await Report.findOne({}))!;
    report.title = 'Rewritten';
    let error: Error | undefined;
    try {
      await report.save();
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.include('cannot be edited');
    expect((await Report.findOne({}).lean())!.title).to.equal('Journalist phone infected after SMS link');
  });
});

describe('anonymous reports and /track', () => {
  afterEach(closeApps);

  it('when a visitor submits without an account, then a receipt is shown once, stored only as a hash, and /track follows the report', async () => {
    const { app } = makeApp();
    const visitor = agent(app);
    const res = await postReport(visitor);
    expect(res.status).to.equal(200);
    const code = /<code>([A-Z2-7-]{39})<\/code>/.exec(res.text)![1]!;
    const raw = JSON.stringify(await mongoose.connection.db!.collection('reports').findOne({}));
    expect(raw).not.to.include(code);
    expect(raw).not.to.include(code.replace(/-/g, ''));
    expect(raw).to.match(/"receiptHash":"[0-9a-f]{64}"/);
    // Nothing identifying about the request is stored: not in the report, the sessions or the audit log.
    const everything = JSON.stringify([
      await mongoose.connection.db!.collection('reports').find({}).toArray(),
      await mongoose.connection.db!.collection('sessions').find({}).toArray(),
      await mongoose.connection.db!.collection('auditevents').find({}).toArray(),
    ]);
    expect(everything).not.to.match(/127\.0\.0\.1|::1|::ffff|superagent|node-fetch|user-?agent/i);

    const tracker = agent(app);
    const token = await csrfFrom(tracker, '/track');
    const tracked = await tracker.post('/track').type('form').send({ _csrf: token, code: code.toLowerCase().replace(/-/g, ' ') });
    expect(tracked.status).to.equal(200);
    expect(tracked.text).to.include(`R-${year}-00001`);
    expect(tracked.text).to.include('Submitted');
    const wrong = await tracker.post('/track').type('form').send({ _csrf: token, code: 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH' });
    expect(wrong.status).to.equal(404);
  });

  it('when a reviewer asks a question, then the anonymous submitter answers it through /track', async () => {
    const { app } = makeApp();
    const res = await postReport(agent(app));
    const code = /<code>([A-Z2-7-]{39})<\/code>/.exec(res.text)![1]!;
    const reviewer = await createUser({ roles: ['reviewer'], totp: true });
    const r = agent(app);
    await signIn(r, reviewer);
    const rt = await csrfFrom(r, `/reports/R-${year}-00001`);
    expect((await r.post(`/reports/R-${year}-00001/request-info`).type('form').send({ _csrf: rt, body: 'Which phone model?' })).status).to.equal(302);
    expect((await Report.findOne({}).lean())!.status).to.equal('needs-info');

    const t = agent(app);
    const token = await csrfFrom(t, '/track');
    const page = await t.post('/track').type('form').send({ _csrf: token, code });
    expect(page.text).to.include('Which phone model?');
    const answered = await t.post('/track/answer').type('form').send({ _csrf: token, code, body: 'An iPhone 11.' });
    expect(answered.status).to.equal(200);
    const stored = (await Report.findOne({}).lean())!;
    expect(stored.status).to.equal('triaged');
    const messages = await ReportMessage.find({ report: stored._id }).sort({ at: 1 }).lean();
    expect(messages.map((m) => [m.from, m.body])).to.deep.equal([['reviewer', 'Which phone model?'], ['submitter', 'An iPhone 11.']]);
    expect(await AuditEvent.countDocuments({ action: 'report.answered', 'actor.type': 'anonymous' })).to.equal(1);
  });

  it('when anonymous reports are switched off, then the form asks to sign in and a POST is refused', async () => {
    const { app } = makeApp({ ANONYMOUS_REPORTS: 'false' });
    const a = agent(app);
    expect((await a.get('/reports/new')).headers.location).to.equal('/login');
    const token = await csrfFrom(a, '/login');
    const res = await a.post('/reports').type('form').send(encodeForm({ _csrf: token, ...reportForm() }));
    expect(res.status).to.equal(403);
    expect(await Report.countDocuments({})).to.equal(0);
  });

  it('when the site-wide anonymous budget is used up, then further anonymous reports get 429 (this holds behind Tor, where everyone shares an address)', async () => {
    const { app } = makeApp({ ANONYMOUS_REPORTS_PER_HOUR: '2' });
    for (let i = 0; i < 2; i++) expect((await postReport(agent(app))).status).to.equal(200);
    const third = await postReport(agent(app));
    expect(third.status).to.equal(429);
    expect(await Report.countDocuments({})).to.equal(2);
  });

  it('when one session keeps submitting anonymously, then it is capped', async () => {
    const { app } = makeApp();
    const a = agent(app);
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await postReport(a)).status);
    expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 429]);
  });
});

describe('Post/Redirect/Get and form keys: a report is filed once', () => {
  afterEach(closeApps);

  /** The form as the browser holds it: its CSRF token and its form key. */
  async function openForm(a: ReturnType<typeof agent>) {
    const page = await a.get('/reports/new');
    const formKey = /name="formKey" value="([A-Za-z0-9_-]{22})"/.exec(page.text)?.[1];
    expect(formKey, 'the form carries a key').to.be.a('string');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    return encodeForm({ _csrf: token, formKey: formKey!, ...reportForm() });
  }

  it('when an anonymous visitor reloads the receipt page, then the code is not shown again and nothing is submitted again', async () => {
    const { app } = makeApp();
    const visitor = agent(app);
    const body = await openForm(visitor);
    const posted = await visitor.post('/reports').type('form').send(body);
    expect(posted.status).to.equal(303);
    const receiptUrl = String(posted.headers.location);
    expect(receiptUrl).to.match(/^\/reports\/receipt\/[A-Za-z0-9_-]{22}$/);
    const first = await visitor.get(receiptUrl);
    expect(first.status).to.equal(200);
    expect(first.headers['cache-control']).to.include('no-store');
    const code = /<code>([A-Z2-7-]{39})<\/code>/.exec(first.text)?.[1];
    expect(code, 'the receipt is shown on the first read').to.be.a('string');
    const again = await visitor.get(receiptUrl);
    expect(again.status).to.equal(200);
    expect(again.text).not.to.include(code!);
    expect(again.text).to.include('did not send your report again');
    expect(await Report.countDocuments({})).to.equal(1);
    // The sealed code is gone from the database once shown.
    expect(JSON.stringify(await mongoose.connection.db!.collection('formsubmissions').find({}).toArray())).not.to.include('"once"');
    // Another session cannot read that page at all.
    expect((await agent(app).get(receiptUrl)).status).to.equal(404);
  });

  it('when the same form is sent 10 times at once (a double click, a resend), then one report is filed and every answer leads to the same page', async () => {
    const { app } = makeApp();
    const visitor = agent(app);
    const body = await openForm(visitor);
    const results = await Promise.all(Array.from({ length: 10 }, () => visitor.post('/reports').type('form').send(body)));
    expect(results.map((r) => r.status)).to.deep.equal(Array(10).fill(303));
    expect(new Set(results.map((r) => r.headers.location)).size).to.equal(1);
    expect(await Report.countDocuments({})).to.equal(1);
    // Sent again later (the back button, then submit): still one report, same receipt page.
    const later = await visitor.post('/reports').type('form').send(body);
    expect(later.headers.location).to.equal(results[0]!.headers.location);
    expect(await Report.countDocuments({})).to.equal(1);
  });

  it('when a form with a key is refused as invalid, then the key is kept in the form shown again and the corrected form files the report', async () => {
    const { app } = makeApp();
    const visitor = agent(app);
    const page = await visitor.get('/reports/new');
    const formKey = /name="formKey" value="([A-Za-z0-9_-]{22})"/.exec(page.text)![1]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const refused = await visitor.post('/reports').type('form').send(encodeForm({ _csrf: token, formKey, ...reportForm({ title: '' }) }));
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include(`name="formKey" value="${formKey}"`);
    const filed = await visitor.post('/reports').type('form').send(encodeForm({ _csrf: token, formKey, ...reportForm() }));
    expect(filed.status).to.equal(303);
    expect(await Report.countDocuments({})).to.equal(1);
  });
});
