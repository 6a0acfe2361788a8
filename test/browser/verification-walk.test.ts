import type { Server } from 'node:http';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { closeApps } from '../helpers/app.js';
import { axeViolations, launchBrowser, recordForeignRequests, screenshot, serveApp, signInWithBrowser } from '../helpers/browser.js';
import { createEntities, createUser } from '../helpers/factories.js';

describe('browser: from a researcher’s report to a verified incident', function () {
  this.timeout(180_000);
  let browser: Browser;
  let base: string;
  let server: Server;

  before(async () => {
    browser = await launchBrowser();
    ({ base, server } = await serveApp());
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await closeApps();
    await browser.close();
  });

  async function signedIn(account: { email: string; password: string; totpSecret?: string }, lng: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInWithBrowser(page, base, account, lng);
    return { context, page };
  }

  it('when a researcher submits, a reviewer builds the incident and two reviewers approve, then it is public in both languages', async () => {
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
    await one.page.goto(`${base}/review?lng=ar`);
    await screenshot(one.page, 'walk-3c-queue-ar');
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
    await one.page.fill('#f-title', 'Journalist’s phone infected with Pegasus');
    await one.page.selectOption('#f-visibility', 'public');
    await one.page.selectOption('#f-attributions-0-confidence', 'high');
    await one.page.fill('#f-attributions-0-basis', 'Forensic traces matching Pegasus.');
    await one.page.fill('#f-attributions-0-sources', '1');
    await screenshot(one.page, 'walk-4-incident-editor-en');
    await one.page.click('main form.form > p > button[type=submit]');
    expect(one.page.url()).to.match(/\/incidents\/I-\d{4}-00001$/);
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
      expect(await page.textContent('main')).to.include('Journalist’s phone infected with Pegasus');
      await screenshot(page, `walk-6-incidents-${lng}`);
      await page.click('table.incidents-table a[href^="/incidents/I-"]');
      const text = await page.textContent('main');
      expect(text).not.to.include('CANARY-REAL-NAME');
      expect(text).to.include(lng === 'ar' ? 'ثقة عالية' : 'High confidence');
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
    await Promise.all([r.context.close(), one.context.close()]);
  });
});
