import { expect } from 'chai';
import { Report } from '../../src/reports/model.js';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { postReport, reportForm } from '../helpers/reports.js';

describe('report form: the error summary', () => {
  afterEach(closeApps);

  it('when a report is refused, then the summary names each problem with its field (and row) and links to it, in English and Arabic; nothing is stored', async () => {
    const { app } = makeApp();
    const bad = reportForm({ title: '', 'targets[0][pseudonym]': '' });
    const en = await postReport(agent(app).set('Accept-Language', 'en'), bad);
    expect(en.status).to.equal(422);
    const summary = en.text.slice(en.text.indexOf('class="error-summary"'), en.text.indexOf('</div>', en.text.indexOf('class="error-summary"')));
    expect(summary).to.match(/<a href="#f-title">Title[^<]*: [^<]+<\/a>/);
    expect(summary).to.match(/<a href="#f-targets-0-pseudonym">[^<]+\(1\): [^<]+<\/a>/);
    expect(en.text).to.include('id="f-targets-0-pseudonym"');
    const ar = await postReport(agent(app).set('Accept-Language', 'ar'), bad);
    expect(ar.text.slice(ar.text.indexOf('class="error-summary"'))).to.match(/<a href="#f-title">[^<]*[\u0600-\u06FF][^<]*<\/a>/);
    expect(await Report.countDocuments({})).to.equal(0);
  });
});
