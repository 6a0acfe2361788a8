import type { Server } from 'node:http';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { closeApps } from '../helpers/app.js';
import { axeViolations, launchBrowser, recordForeignRequests, screenshot, serveApp, signInWithBrowser } from '../helpers/browser.js';
import { createEntities, createUser } from '../helpers/factories.js';
import { bodyOf, freePort, startSmtp, type Received } from '../helpers/smtp.js';
import { sendPendingMail } from '../../src/notifications/service.js';
import type { SMTPServer } from 'smtp-server';

describe('browser: from a researcher’s report to a verified incident', function () {
  this.timeout(180_000);
  let browser: Browser;
  let base: string;
  let server: Server;
  let smtp: SMTPServer;
  const mails: Received[] = [];

  before(async () => {
    browser = await launchBrowser();
    // A real SMTP server: every mail the site sends during the walk arrives here.
    const port = await freePort();
    smtp = await startSmtp(port, mails);
    ({ base, server } = await serveApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, PUBLIC_URL: 'http://tracker.example.org' }));
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await new Promise((r) => smtp.close(() => r(undefined)));
    await closeApps();
    await browser.close();
  });

  async function signedIn(account: { email: string; password: string; totpSecret?: string }, lng: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInWithBrowser(page, base, account, lng);
    return { context, page };
  }

  it('when a researcher submits, a reviewer takes the report, notes and asks, the researcher answers, a reviewer builds and translates the incident and two reviewers approve, then it is public in both languages and every mail went out without an identity', async () => {
    const { product } = await createEntities();
    const researcher = await createUser({ name: 'Rana Researcher' });
    const reviewers = [await createUser({ roles: ['reviewer'], totp: true, name: 'Reviewer One' }), await createUser({ roles: ['reviewer'], totp: true, name: 'Reviewer Two' })];

    // 1. The researcher submits a report (in Arabic), without JavaScript.
    const r = await signedIn(researcher, 'ar');
    const foreign = recordForeignRequests(r.page, base);
    await r.page.goto(`${base}/reports/new?lng=ar`);
    await r.page.fill('#f-title', 'هاتف صحفية مصاب ببرنامج تجسس');
    await r.page.fill('#f-narrative', 'تلقت الصحفية رسالة نصية تحتوي رابطًا في تموز 2021، ووجد التحليل الجنائي آثارًا لبرنامج Pegasus.');
    await r.page.fill('#f-dates-from', '2021-07');
    await r.page.selectOption('#f-country', 'MA');
    await r.page.selectOption('#f-targets-0-category', 'journalist');
    await r.page.fill('#f-targets-0-pseudonym', 'الصحفية أ');
    await r.page.fill('#f-targets-0-identity', 'CANARY-REAL-NAME');
    await r.page.selectOption('#f-suspectedProducts', String(product._id));
    await r.page.selectOption('#f-sources-0-kind', 'forensic-report');
    await r.page.fill('#f-sources-0-title', 'Forensic report');
    await r.page.fill('#f-sources-0-url', 'https://example.org/report');
    await r.page.selectOption('#f-indicators-0-type', 'domain');
    await r.page.fill('#f-indicators-0-value', 'free247downloads.com');
    await screenshot(r.page, 'walk-1-report-form-ar');
    await r.page.click('main form[action^="/reports?"] button[type=submit]');
    expect(r.page.url()).to.match(/\/reports\/R-\d{4}-00001$/);
    await screenshot(r.page, 'walk-2-report-submitted-ar');
    expect(foreign).to.deep.equal([]);
    const reportUrl = r.page.url();

    // 2. The first reviewer creates the incident, makes it public, and submits it for review.
    const one = await signedIn(reviewers[0]!, 'en');
    await one.page.goto(reportUrl);
    expect(await one.page.textContent('main')).not.to.include('CANARY-REAL-NAME');
    await one.page.click('form[action$="/reveal"] button');
    expect(await one.page.textContent('.revealed')).to.include('CANARY-REAL-NAME');
    await screenshot(one.page, 'walk-3-report-revealed-en');
    // The reviewer takes the report and leaves an internal note; the queue shows who holds it.
    await one.page.goto(`${reportUrl}?lng=ar`);
    await one.page.click('form[action$="/take"] button');
    await one.page.fill('#f-note', 'ملاحظة داخلية: تحقق من الهاتف الثاني');
    await one.page.click('form[action$="/notes"] button');
    expect(await one.page.textContent('#notes')).to.include('ملاحظة داخلية');
    await screenshot(one.page, 'walk-3b-report-held-ar');
    // The reviewer asks the researcher a question (separate from the internal note).
    await one.page.fill('form[action$="/request-info"] textarea', 'CANARY-QUESTION: which phone model?');
    await one.page.click('form[action$="/request-info"] button');
    await one.page.setViewportSize({ width: 390, height: 844 });
    await screenshot(one.page, 'walk-3b-report-held-ar-390');
    await one.page.setViewportSize({ width: 1280, height: 900 });
    await one.page.goto(`${base}/review?lng=ar`);
    await screenshot(one.page, 'walk-3c-queue-ar');
    await one.page.setViewportSize({ width: 390, height: 844 });
    await screenshot(one.page, 'walk-3c-queue-ar-390');
    await one.page.goto(`${base}/review?lng=en`);
    await screenshot(one.page, 'walk-3c-queue-en-390');
    await one.page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(one.page, 'walk-3c-queue-en');

    // The researcher hears of the question by mail (a link, never the question), and answers on the report page.
    await sendPendingMail();
    const asked = mails.filter((m) => m.to[0] === researcher.email).map((m) => bodyOf(m.text));
    expect(asked.join('\n')).to.include(`http://tracker.example.org${reportUrl.replace(base, '')}`);
    await r.page.goto(`${base}/notifications?lng=ar`);
    await screenshot(r.page, 'walk-3d-inbox-ar');
    await r.page.goto(reportUrl);
    expect(await r.page.textContent('main')).to.include('CANARY-QUESTION');
    await r.page.fill('form[action$="/answers"] textarea', 'CANARY-ANSWER: an iPhone 12');
    await r.page.click('form[action$="/answers"] button');
    await screenshot(r.page, 'walk-3e-report-answered-ar');
    const staffAxe = await browser.newContext();
    await staffAxe.addCookies(await one.context.cookies());
    const staffPage = await staffAxe.newPage();
    for (const path of [reportUrl.replace(base, ''), '/review', '/notifications']) {
      for (const lng of ['en', 'ar']) {
        await staffPage.goto(`${base}${path}?lng=${lng}`);
        expect(await axeViolations(staffPage), `${path} ${lng}`).to.deep.equal([]);
      }
    }
    await staffAxe.close();
    await one.page.goto(reportUrl);
    await one.page.click('form[action$="/incident"] button');
    expect(one.page.url()).to.match(/\/incidents\/I-\d{4}-00001\/edit$/);
    // Built from an Arabic report, the incident is written in Arabic (the text reviewers verify).
    expect(await one.page.inputValue('#f-lang')).to.equal('ar');
    await one.page.selectOption('#f-visibility', 'public');
    await one.page.selectOption('#f-attributions-0-confidence', 'high');
    await one.page.fill('#f-attributions-0-basis', 'Forensic traces matching Pegasus.');
    await one.page.fill('#f-attributions-0-sources', '1');
    await screenshot(one.page, 'walk-4-incident-editor-en');
    await one.page.click('main form.form > p > button[type=submit]');
    expect(one.page.url()).to.match(/\/incidents\/I-\d{4}-00001$/);
    // An English translation, added on the incident page: no new round.
    await one.page.fill('form[action$="/translation"] input[name=title]', 'Journalist’s phone infected with Pegasus');
    await one.page.fill('form[action$="/translation"] textarea[name=summary]', 'The journalist received a text message with a link in July 2021; forensic analysis found traces of Pegasus.');
    await one.page.click('form[action$="/translation"] button');
    await screenshot(one.page, 'walk-4b-incident-translated-en');
    await one.page.click('form[action$="/submit"] button');
    const incidentUrl = one.page.url();

    // 3. Two reviewers approve with the full checklist.
    for (const [index, account] of reviewers.entries()) {
      const session = index === 0 ? one : await signedIn(account, 'ar');
      await session.page.goto(incidentUrl);
      for (const item of ['sourceIdentified', 'technicalEvidence', 'corroborated', 'riskConsidered']) await session.page.check(`input[name=${item}]`);
      await session.page.selectOption('#f-decision', 'approve');
      await screenshot(session.page, `walk-5-review-${index + 1}`);
      await session.page.click('form[action$="/reviews"] button[type=submit]');
    }

    // 4. Anyone sees it among the verified incidents, in English and in Arabic; never the identity.
    for (const lng of ['en', 'ar']) {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${base}/incidents?lng=${lng}`);
      expect(await page.getAttribute('html', 'dir')).to.equal(lng === 'ar' ? 'rtl' : 'ltr');
      // Each language shows its own title: the Arabic as written, the English translation.
      expect(await page.textContent('main')).to.include(lng === 'ar' ? 'هاتف صحفية مصاب ببرنامج تجسس' : 'Journalist’s phone infected with Pegasus');
      await screenshot(page, `walk-6-incidents-${lng}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, `walk-6-incidents-${lng}-390`);
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.click('table.incidents-table a[href^="/incidents/I-"]');
      const text = await page.textContent('main');
      expect(text).not.to.include('CANARY-REAL-NAME');
      expect(text).to.include(lng === 'ar' ? 'ثقة عالية' : 'High confidence');
      if (lng === 'en') expect(text).to.include('Translated from Arabic');
      await screenshot(page, `walk-7-incident-${lng}`);
      await context.close();
    }
    const axeContext = await browser.newContext();
    const axePage = await axeContext.newPage();
    for (const path of ['/incidents', incidentUrl.replace(base, ''), '/methodology', '/reports/new', '/track']) {
      for (const lng of ['en', 'ar']) {
        await axePage.goto(`${base}${path}?lng=${lng}`);
        expect(await axeViolations(axePage), `${path} ${lng}`).to.deep.equal([]);
      }
    }
    await axeContext.close();

    // 5. The researcher hears that the incident is public, and the report page links it.
    await sendPendingMail();
    const toResearcher = mails.filter((m) => m.to[0] === researcher.email).map((m) => bodyOf(m.text));
    expect(toResearcher.some((m) => m.includes('is now public'))).to.equal(true);
    await r.page.goto(reportUrl);
    expect(await r.page.getAttribute(`main a[href="${incidentUrl.replace(base, '')}"]`, 'href')).to.equal(incidentUrl.replace(base, ''));
    // Every mail of the walk: reviewers told of the report, the answer and the approval; the researcher of
    // the triage, the question, the link and the publication. None carries the identity, the pseudonym,
    // the texts, the question or the answer.
    expect(mails.length).to.be.greaterThan(5);
    for (const m of mails.map((x) => bodyOf(x.text))) {
      for (const secret of ['CANARY-REAL-NAME', 'الصحفية أ', 'هاتف صحفية', 'تلقت الصحفية', 'Journalist’s phone', 'CANARY-QUESTION', 'CANARY-ANSWER', 'Rana']) expect(m, secret).not.to.include(secret);
    }
    await Promise.all([r.context.close(), one.context.close()]);
  });
});
