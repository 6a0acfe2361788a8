import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { writtenIn } from '../../src/i18n/texts.js';
import { Incident } from '../../src/incidents/model.js';
import { Vendor } from '../../src/vendors/model.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createEntities, createIncident, signedInAs } from '../helpers/factories.js';

const AR_TITLE = 'صحفية مغربية استُهدفت بالتجسس';
const AR_SUMMARY = 'وجد الباحثون آثار برنامج تجسس على هاتف صحفية مغربية.';

async function translate(a: ReturnType<typeof agent>, ref: string, body: Record<string, string>) {
  const token = await csrfFrom(a, `/incidents/${ref}`);
  return a.post(`/incidents/${ref}/translation`).type('form').send({ _csrf: token, ...body });
}

describe('incident and profile texts in English and Arabic', () => {
  afterEach(closeApps);

  it('when a reviewer adds an Arabic translation to a verified incident, then Arabic pages show it marked as a translation, the round is unchanged, and the audit log says translated', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'verified', title: 'Moroccan journalist targeted with spyware', summary: 'Researchers found spyware traces on the phone of a Moroccan journalist.' });
    const reviewer = await signedInAs(app, ['reviewer']);
    const saved = await translate(reviewer, incident.ref, { title: AR_TITLE, summary: AR_SUMMARY });
    expect(saved.status).to.equal(303);
    expect(saved.headers.location).to.equal(`/incidents/${incident.ref}#translation`);

    const stored = (await Incident.findOne({ ref: incident.ref }).lean())!;
    expect(stored.verification?.status).to.equal('verified');
    expect(stored.verification?.round).to.equal(1);
    expect(stored.published).to.equal(true);
    expect(stored.translation).to.include({ lang: 'ar', title: AR_TITLE, summary: AR_SUMMARY });
    const audit = await AuditEvent.find({ 'subject.id': incident.ref }).lean();
    expect(audit.map((e) => e.action)).to.include('incident.translated');
    expect(audit.map((e) => e.action)).not.to.include.members(['incident.updated', 'incident.reopened']);

    const visitor = agent(app);
    const ar = (await visitor.get(`/incidents/${incident.ref}?lng=ar`)).text;
    expect(ar).to.match(new RegExp(`<h1 lang="ar" dir="rtl">${AR_TITLE}</h1>`));
    expect(ar).to.match(new RegExp(`lang="ar" dir="rtl">${AR_SUMMARY}</p>`));
    expect(ar).to.include('مترجم عن الإنجليزية');
    // The text as written (the one reviewers verified) is still there, marked English.
    expect(ar).to.match(/<details class="original-text">[\s\S]*lang="en" dir="ltr"><strong>Moroccan journalist targeted with spyware<\/strong>/);
    const en = (await visitor.get(`/incidents/${incident.ref}?lng=en`)).text;
    expect(en).to.match(/<h1 lang="en" dir="ltr">Moroccan journalist targeted with spyware<\/h1>/);
    expect(en).not.to.include(AR_TITLE);
    expect(en).not.to.include('Translated from');

    // Lists, search, the API and the feed carry it too.
    expect((await visitor.get('/incidents?lng=ar')).text).to.match(new RegExp(`<td dir="auto" lang="ar">${AR_TITLE}</td>`));
    expect((await visitor.get(`/incidents?q=${encodeURIComponent('صحفية مغربية')}&lng=en`)).text).to.include(incident.ref);
    const api = (await visitor.get(`/api/v1/incidents/${incident.ref}`)).body.data as { language: string; titles: Record<string, string>; translation: { language: string; title: string } };
    expect(api.language).to.equal('en');
    expect(api.titles).to.deep.equal({ en: 'Moroccan journalist targeted with spyware', ar: AR_TITLE });
    expect(api.translation).to.include({ language: 'ar', title: AR_TITLE });
    expect((await visitor.get('/incidents.atom?lng=ar')).text).to.include(`<title xml:lang="ar">${incident.ref}: ${AR_TITLE}</title>`);

    // Removing it (both fields empty) is audited too, and the Arabic page says there is no translation.
    expect((await translate(reviewer, incident.ref, { title: '', summary: '' })).status).to.equal(303);
    expect((await Incident.findOne({ ref: incident.ref }).lean())!.translation).to.equal(undefined);
    expect(await AuditEvent.countDocuments({ action: 'incident.translated', 'subject.id': incident.ref })).to.equal(2);
    const after = (await visitor.get(`/incidents/${incident.ref}?lng=ar`)).text;
    expect(after).to.match(/<h1 lang="en" dir="ltr">Moroccan journalist targeted with spyware<\/h1>/);
    expect(after).to.include('هذا النص باللغة الإنجليزية، ولا توجد ترجمة إلى العربية بعد.');
  });

  it('when a translation is half filled, then the form comes back with the message and nothing is stored', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'in-review' });
    const reviewer = await signedInAs(app, ['reviewer']);
    const res = await translate(reviewer, incident.ref, { title: AR_TITLE, summary: '' });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('Give both the title and the summary');
    expect(res.text).to.include(`value="${AR_TITLE}"`);
    expect((await Incident.findOne({ ref: incident.ref }).lean())!.translation).to.equal(undefined);
    expect(await AuditEvent.countDocuments({ action: 'incident.translated' })).to.equal(0);
  });

  it('when a researcher or a visitor posts a translation, then it is refused and nothing changes', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'verified' });
    const researcher = await signedInAs(app, ['researcher']);
    const token = await csrfFrom(researcher, '/reports/new');
    const res = await researcher.post(`/incidents/${incident.ref}/translation`).type('form').send({ _csrf: token, title: AR_TITLE, summary: AR_SUMMARY });
    expect(res.status).to.equal(403);
    expect((await Incident.findOne({ ref: incident.ref }).lean())!.translation).to.equal(undefined);
  });

  it('when the editor sets the text language to the translation language, then it is refused; a text written in Arabic gets an English translation', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'draft', title: AR_TITLE, summary: AR_SUMMARY, extra: { lang: 'ar' } });
    const reviewer = await signedInAs(app, ['reviewer']);
    const page = (await reviewer.get(`/incidents/${incident.ref}`)).text;
    expect(page).to.include('Translation into English');
    expect(page).to.match(/name="title"[^>]*dir="ltr"[\s\S]*?lang="en"/);
    expect((await translate(reviewer, incident.ref, { title: 'A Moroccan journalist targeted', summary: 'Spyware traces were found.' })).status).to.equal(303);
    expect((await Incident.findOne({ ref: incident.ref }).lean())!.translation?.lang).to.equal('en');
    const edit = await reviewer.get(`/incidents/${incident.ref}/edit`);
    expect(edit.text).to.match(/<option value="ar" selected>/);
    const token = /name="_csrf" value="([^"]+)"/.exec(edit.text)![1]!;
    const res = await reviewer.post(`/incidents/${incident.ref}`).type('form').send({
      _csrf: token, title: AR_TITLE, summary: AR_SUMMARY, lang: 'en', 'dates[from]': '2021-07', 'dates[to]': '', countries: 'MA', visibility: 'public',
      'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'Journalist A', 'targets[0][consent]': 'no',
      'sources[0][kind]': 'forensic-report', 'sources[0][url]': 'https://example.org/report', 'sources[0][title]': 'A forensic report', 'sources[0][publisher]': 'A Lab', 'sources[0][date]': '2021-07-18',
      responses: '',
    });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('The translation is already in this language');
    expect((await Incident.findOne({ ref: incident.ref }).lean())!.lang).to.equal('ar');
  });

  it('when a text comes without a language field (a report, a spreadsheet row), then its language is read from its letters', () => {
    expect(writtenIn('هاتف صحفي مخترق ببرنامج Pegasus')).to.equal('ar');
    expect(writtenIn('Phone of a journalist hacked with بيغاسوس')).to.equal('en');
    expect(writtenIn('')).to.equal('en');
  });

  it('when a vendor has a summary in one language only, then the other language shows it marked with its language; with both, each page shows its own', async () => {
    const { app } = makeApp();
    const { vendor } = await createEntities();
    await Vendor.updateOne({ _id: vendor._id }, { $set: { summary: 'Maker of a mobile implant.' } });
    const visitor = agent(app);
    const ar = (await visitor.get(`/vendors/${vendor.slug}?lng=ar`)).text;
    expect(ar).to.include('<p lang="en" dir="ltr">Maker of a mobile implant.</p>');
    expect(ar).to.include('هذا النص باللغة الإنجليزية، ولا توجد ترجمة إلى العربية بعد.');
    // Through the admin form, audited.
    const admin = await signedInAs(app, ['admin']);
    const form = await admin.get(`/admin/vendors/${vendor.slug}/edit`);
    expect(form.status).to.equal(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const saved = await admin.post(`/admin/vendors/${vendor.slug}`).type('form').send({ _csrf: token, slug: vendor.slug, name: vendor.name, nameAr: vendor.nameAr, aliases: '', hqCountry: 'IL', parent: '', successor: '', website: '', summary: 'Maker of a mobile implant.', summaryAr: 'صانعة أداة زرع للهواتف.' });
    expect(saved.status).to.be.oneOf([302, 303]);
    expect(await AuditEvent.countDocuments({ action: 'vendor.updated', 'details.changes.summaryAr.after': 'صانعة أداة زرع للهواتف.' })).to.equal(1);
    const arAfter = (await visitor.get(`/vendors/${vendor.slug}?lng=ar`)).text;
    expect(arAfter).to.include('<p lang="ar" dir="rtl">صانعة أداة زرع للهواتف.</p>');
    expect(arAfter).not.to.include('ولا توجد ترجمة');
    expect((await visitor.get(`/vendors/${vendor.slug}?lng=en`)).text).to.include('<p lang="en" dir="ltr">Maker of a mobile implant.</p>');
  });
});
