import { expect } from 'chai';
import { Dossier } from '../../src/dossiers/model.js';
import { Evidence } from '../../src/evidence/model.js';
import { Incident } from '../../src/incidents/model.js';
import { agent, closeApps, makeApp, type Agent } from '../helpers/app.js';
import { createEntities, createIncident, signedInAs } from '../helpers/factories.js';
import { postReport } from '../helpers/reports.js';
import { verifiedIncident } from '../dossiers/helpers.js';
import { mvtJson } from '../evidence/helpers.js';

/** The CSRF token and form key of the form at `path`, as the browser holds them. */
async function formOf(a: Agent, path: string, action: string): Promise<{ token: string; formKey: string }> {
  const page = await a.get(path);
  expect(page.status, path).to.equal(200);
  const form = page.text.slice(page.text.indexOf(`action="${action}`));
  const formKey = /name="formKey" value="([A-Za-z0-9_-]{22})"/.exec(form)?.[1];
  expect(formKey, `the form posting to ${action} carries a key`).to.be.a('string');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? decodeURIComponent(/_csrf=([^"&]+)/.exec(form)![1]!);
  return { token, formKey: formKey! };
}

/** Five copies of one request at once (a double click, a resend after a lost answer). */
async function fiveAtOnce(send: () => Promise<{ status: number; headers: Record<string, string> }>) {
  const results = await Promise.all(Array.from({ length: 5 }, send));
  expect(results.map((r) => r.status)).to.deep.equal(Array(5).fill(303));
  expect(new Set(results.map((r) => r.headers.location)).size, 'every copy leads to the same page').to.equal(1);
  return results[0]!.headers.location!;
}

describe('forms that create something are acted on once per form key', () => {
  afterEach(closeApps);

  it('when a dossier form is sent 5 times at once, then one dossier is generated and numbered', async function () {
    this.timeout(180_000);
    const { app } = makeApp();
    const { vendor, product, government } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id, governmentId: government._id });
    const a = await signedInAs(app, ['policymaker']);
    const { token, formKey } = await formOf(a, '/dossiers', '/dossiers');
    const to = await fiveAtOnce(() => a.post('/dossiers').type('form').send({ _csrf: token, formKey, subject: 'vendor', vendor: vendor.slug, audience: 'public', framing: 'us-entity-list', language: 'en' }));
    expect(to).to.match(/^\/dossiers\/D-\d{4}-00001$/);
    expect(await Dossier.countDocuments({})).to.equal(1);
    // A new form (a new key) is a new dossier, numbered next.
    const next = await formOf(a, '/dossiers', '/dossiers');
    const again = await a.post('/dossiers').type('form').send({ _csrf: next.token, formKey: next.formKey, subject: 'vendor', vendor: vendor.slug, audience: 'public', framing: 'us-entity-list', language: 'en' });
    expect(again.headers.location).to.match(/^\/dossiers\/D-\d{4}-00002$/);
  });

  it('when "create incident" is sent 5 times at once from one report, then one incident is created', async () => {
    const { app } = makeApp();
    await postReport(agent(app));
    const ref = `R-${new Date().getUTCFullYear()}-00001`;
    const a = await signedInAs(app, ['reviewer']);
    const { token, formKey } = await formOf(a, `/reports/${ref}`, `/reports/${ref}/incident`);
    const to = await fiveAtOnce(() => a.post(`/reports/${ref}/incident`).type('form').send({ _csrf: token, formKey }));
    expect(to).to.match(/^\/incidents\/I-\d{4}-00001\/edit$/);
    expect(await Incident.countDocuments({})).to.equal(1);
  });

  it('when a CSV import is sent 5 times at once, then its rows are imported once and the result page can be reloaded without importing again', async () => {
    const { app } = makeApp();
    const a = await signedInAs(app, ['reviewer']);
    const { token, formKey } = await formOf(a, '/review/import', '/review/import');
    const csv = Buffer.from('title,summary,date_from,countries,target_categories,source_title,source_url\nPhone of an editor infected,An editor was targeted.,2022-03,MA,journalist,A forensic report,https://example.org/a\n');
    const to = await fiveAtOnce(() => a.post(`/review/import?_csrf=${encodeURIComponent(token)}`).set('Sec-Fetch-Site', 'same-origin').field('formKey', formKey).attach('files', csv, 'incidents.csv'));
    expect(to).to.match(/^\/review\/import\/jobs\/[A-Za-z0-9_-]{22}$/);
    expect(await Incident.countDocuments({})).to.equal(1);
    for (let n = 0; n < 2; n++) {
      const page = await a.get(to);
      expect(page.status).to.equal(200);
      expect(page.text).to.match(/I-\d{4}-00001/);
    }
    expect(await Incident.countDocuments({})).to.equal(1);
    // The result page is this session's only.
    expect((await (await signedInAs(app, ['reviewer'])).get(to)).status).to.equal(404);
  });

  it('when an evidence upload is sent 5 times at once, then the file is stored once', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'draft' });
    const a = await signedInAs(app, ['reviewer']);
    const { token, formKey } = await formOf(a, `/incidents/${incident.ref}`, `/incidents/${incident.ref}/evidence`);
    const to = await fiveAtOnce(() => a.post(`/incidents/${incident.ref}/evidence?_csrf=${encodeURIComponent(token)}`).set('Sec-Fetch-Site', 'same-origin').field('formKey', formKey).attach('files', mvtJson, 'mvt-results.json'));
    expect(to).to.equal(`/incidents/${incident.ref}#evidence`);
    expect(await Evidence.countDocuments({ incident: incident._id })).to.equal(1);
  });
});
