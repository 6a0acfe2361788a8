import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { AuditEvent } from '../../src/audit/index.js';
import { Evidence } from '../../src/evidence/model.js';
import { Report } from '../../src/reports/model.js';
import { agent, binary, closeApps, csrfFrom, makeApp, type Agent } from '../helpers/app.js';
import { testState } from '../helpers/engine.js';
import { createUser, signIn } from '../helpers/factories.js';
import { postReportMultipart, reportForm } from '../helpers/reports.js';
import { jpegWithGps, mvtJson } from './helpers.js';

const year = new Date().getUTCFullYear();
const files = () => readdirSync(path.join(testState.dataDir!, 'evidence')).sort();

/** The report form as a browser sends it with files: multipart, the CSRF token in the action URL. */
function postWithFiles(a: Agent, attachments: { name: string; data: Buffer }[], fields = reportForm()) {
  return postReportMultipart(a, fields, attachments);
}


describe('evidence attached to a report at submission', () => {
  afterEach(closeApps);

  it('when a researcher attaches a GPS-tagged screenshot and MVT output, then the reviewer sees both with SHA-256, the working copy has no EXIF, the original download is audited', async () => {
    const { app } = makeApp();
    const researcher = agent(app);
    await signIn(researcher, await createUser());
    const jpeg = await jpegWithGps();
    const res = await postWithFiles(researcher, [{ name: 'screenshot.jpg', data: jpeg }, { name: 'mvt.json', data: mvtJson }]);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/reports/R-${year}-00001`);
    const report = (await Report.findOne({}).lean())!;
    expect(report.evidence).to.have.length(2);
    const own = await researcher.get(`/reports/R-${year}-00001`);
    // The submitter's own page names files by their neutral label, never the device's file name.
    for (const e of await Evidence.find({ report: report._id }).lean()) expect(own.text).to.include(e.name);
    expect(own.text).not.to.include('screenshot.jpg');
    expect(own.text).to.include('working copy without metadata');
    expect(own.text).not.to.include('/evidence/');

    const reviewer = agent(app);
    await signIn(reviewer, await createUser({ roles: ['reviewer'], totp: true }));
    const page = await reviewer.get(`/reports/R-${year}-00001`);
    const items = await Evidence.find({ report: report._id }).sort({ receivedAt: 1 }).lean();
    for (const item of items) expect(page.text).to.include(`sha256:${item.original.sha256}`);
    const working = await binary(reviewer, `/evidence/${String(items[0]!._id)}/working`);
    expect((await sharp(working.body as Buffer).metadata()).exif).to.equal(undefined);
    const original = await binary(reviewer, `/evidence/${String(items[0]!._id)}/original`);
    expect(Buffer.compare(original.body as Buffer, jpeg)).to.equal(0);
    expect(await AuditEvent.countDocuments({ action: 'evidence.downloaded', 'details.which': 'original' })).to.equal(1);
    expect(await AuditEvent.countDocuments({ action: 'evidence.attached', 'details.report': `R-${year}-00001` })).to.equal(2);
    const custody = await reviewer.get(`/evidence/${String(items[0]!._id)}`);
    expect(custody.text).to.include('evidence.received');
    expect(custody.text).to.include('evidence.attached');
    expect(custody.text).to.include(`href="/reports/R-${year}-00001"`);
  });

  it('when an anonymous submitter attaches files, then the receipt says which had metadata removed and warns about documents', async () => {
    const { app } = makeApp();
    const res = await postWithFiles(agent(app), [{ name: 'photo.jpg', data: await jpegWithGps() }, { name: 'doc.json', data: mvtJson }]);
    expect(res.status).to.equal(200);
    expect(res.text).to.include('2 files were received with the report.');
    expect(res.text).to.include('photo.jpg');
    expect(res.text).to.include('PDFs and other documents may still carry metadata');
    const ar = await postWithFiles(agent(app), [{ name: 'photo.jpg', data: await jpegWithGps() }], { ...reportForm(), lng: 'ar' });
    expect(ar.status).to.be.oneOf([200, 422]);
    const evidence = await Evidence.find({}).lean();
    expect(evidence.every((e) => e.uploader === undefined && e.report !== undefined)).to.equal(true);
  });

  it('when one of the files is refused, then neither the report nor any file is stored', async () => {
    const { app } = makeApp();
    const before = files();
    const res = await postWithFiles(agent(app), [{ name: 'ok.json', data: mvtJson }, { name: 'page.jpg', data: Buffer.from('<html><script>alert(1)</script></html>') }]);
    expect(res.status).to.equal(415);
    expect(await Report.countDocuments({})).to.equal(0);
    expect(await Evidence.countDocuments({})).to.equal(0);
    expect(files()).to.deep.equal(before);
  });

  it('when the form is invalid, then 422 before any file is stored', async () => {
    const { app } = makeApp();
    const before = files();
    const res = await postWithFiles(agent(app), [{ name: 'ok.json', data: mvtJson }], reportForm({ title: '' }));
    expect(res.status).to.equal(422);
    expect(await Evidence.countDocuments({})).to.equal(0);
    expect(files()).to.deep.equal(before);
  });

  it('when multipart field names carry prototype keys, then nothing is polluted and nothing stored with them', async () => {
    const { app } = makeApp();
    const res = await postWithFiles(agent(app), [], { ...reportForm(), '__proto__[polluted]': 'yes', 'constructor[prototype][polluted2]': 'yes' });
    expect(res.status).to.be.oneOf([200, 400, 422]);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(({} as Record<string, unknown>).polluted2).to.equal(undefined);
    const raw = JSON.stringify(await Report.find({}).lean());
    expect(raw).not.to.match(/polluted/);
  });

  it('when the multipart report has no CSRF token in its action, then 403 before the body is read', async () => {
    const { app } = makeApp();
    const a = agent(app);
    await csrfFrom(a, '/reports/new');
    const res = await a.post('/reports').set('Sec-Fetch-Site', 'same-origin').field('title', 'x').attach('files', mvtJson, 'mvt.json');
    expect(res.status).to.equal(403);
    expect(await Report.countDocuments({})).to.equal(0);
    expect(await Evidence.countDocuments({})).to.equal(0);
  });

  it('when a reviewer builds an incident from a report with files, then the files ticked follow it (with a custody entry) and the others stay with the report only', async () => {
    const { app } = makeApp();
    const researcher = agent(app);
    await signIn(researcher, await createUser());
    await postWithFiles(researcher, [{ name: 'screenshot.jpg', data: await jpegWithGps() }, { name: 'mvt.json', data: mvtJson }]);
    const report = (await Report.findOne({}).lean())!;
    const [first, second] = await Evidence.find({ report: report._id }).sort({ receivedAt: 1, _id: 1 }).lean();
    const reviewer = agent(app);
    await signIn(reviewer, await createUser({ roles: ['reviewer'], totp: true }));
    const page = await reviewer.get(`/reports/${report.ref}`).set('Accept-Language', 'en');
    expect(page.text).to.include('Files to carry into the incident');
    expect(page.text).to.include(`name="evidence" value="${String(first!._id)}" checked`);
    const token = await csrfFrom(reviewer, `/reports/${report.ref}`);
    const formKey = /name="formKey" value="([^"]+)"/.exec(page.text)?.[1];
    const res = await reviewer.post(`/reports/${report.ref}/incident`).type('form').send({ _csrf: token, ...(formKey ? { formKey } : {}), evidence: String(second!._id) });
    expect(res.status).to.be.oneOf([302, 303]);
    const carried = await Evidence.find({ report: report._id }).lean();
    const byId = new Map(carried.map((e) => [String(e._id), e]));
    expect(byId.get(String(second!._id))!.incident, 'ticked: attached').to.not.equal(undefined);
    expect(byId.get(String(first!._id))!.incident, 'not ticked: stays with the report').to.equal(undefined);
    expect(await AuditEvent.countDocuments({ action: 'evidence.attached', 'subject.id': String(second!._id), 'details.fromReport': report.ref })).to.equal(1);
  });

  it('when a reviewer looks at a report with an image, then a preview of its working copy (scaled down, no metadata) is shown; the submitter and the public get none; each preview is in the custody log', async () => {
    const { app } = makeApp();
    const researcher = agent(app);
    await signIn(researcher, await createUser());
    await postWithFiles(researcher, [{ name: 'screenshot.jpg', data: await jpegWithGps() }, { name: 'mvt.json', data: mvtJson }]);
    const report = (await Report.findOne({}).lean())!;
    const image = (await Evidence.findOne({ report: report._id, 'working.mediaType': 'image/jpeg' }).lean())!;
    const json = (await Evidence.findOne({ report: report._id, 'original.mediaType': 'application/json' }).lean())!;
    const reviewer = agent(app);
    await signIn(reviewer, await createUser({ roles: ['reviewer'], totp: true }));
    const page = (await reviewer.get(`/reports/${report.ref}`)).text;
    expect(page).to.include(`<img class="evidence-preview" src="/evidence/${String(image._id)}/preview"`);
    expect(page).to.not.include(`/evidence/${String(json._id)}/preview`);
    const preview = await binary(reviewer, `/evidence/${String(image._id)}/preview`);
    expect(preview.status).to.equal(200);
    expect(preview.headers['content-type']).to.equal('image/jpeg');
    const meta = await sharp(preview.body as Buffer).metadata();
    expect(meta.width).to.be.at.most(480);
    expect(meta.exif).to.equal(undefined);
    expect((await binary(reviewer, `/evidence/${String(json._id)}/preview`)).status).to.equal(404);
    expect((await researcher.get(`/reports/${report.ref}`)).text).to.not.include('/preview');
    expect((await binary(researcher, `/evidence/${String(image._id)}/preview`)).status).to.equal(403);
    expect((await binary(agent(app), `/evidence/${String(image._id)}/preview`)).status).to.be.oneOf([302, 401, 403]);
    const read = await AuditEvent.find({ action: 'evidence.downloaded', 'subject.id': String(image._id) }).lean();
    expect(read.map((e) => (e.details as { which: string }).which)).to.deep.equal(['working']);
  });
});
