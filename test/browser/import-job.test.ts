import { expect } from 'chai';
import { ImportJob } from '../../src/http/import-job.js';
import { createUser } from '../helpers/factories.js';
import { axeViolations, recordForeignRequests, screenshot, signInWithBrowser, useBrowser, useServedApp } from '../helpers/browser.js';

/** The page of an import that is still running, in a real browser (no script): progress, and it reloads itself. */
describe('browser: an import job\'s progress page', function () {
  this.timeout(120_000);
  const chromium = useBrowser();
  const app = useServedApp();

  it('when a reviewer opens a running import, then the page shows rows written of rows read and, when asked, reloads itself until the job ends, in both languages', async () => {
    const base = app.base();
    const account = await createUser({ roles: ['reviewer'], totp: true });
    const now = new Date();
    const id = 'j'.repeat(22);
    await ImportJob.create({ _id: id, path: '/review/import', actor: String(account.user._id), status: 'running', total: 1200, written: 500, startedAt: now, heartbeat: now });
    const context = await chromium.get().newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const foreign = recordForeignRequests(page, base);
    // One sign-in (a TOTP code is accepted once), then each language.
    await signInWithBrowser(page, base, account);
    for (const [lng, label] of [['en', '500 of 1200 rows written'], ['ar', 'كُتب 500 من 1200 صفًّا']] as const) {
      await page.goto(`${base}/review/import/jobs/${id}?lng=${lng}`);
      expect(await page.textContent('label[for=import-progress]')).to.contain(label);
      expect(await page.getAttribute('#import-progress', 'value')).to.equal('500');
      expect(await axeViolations(page)).to.deep.equal([]);
      await screenshot(page, `import-job-${lng}`);
      // Asked to, the browser reloads the page by itself (meta refresh, no script): once the job has ended, no progress.
      await page.click('a[href$="?follow=1"]');
      expect(await page.locator('meta[http-equiv=refresh]').count()).to.equal(1);
      await ImportJob.updateOne({ _id: id }, { $set: { status: 'failed', endedAt: new Date() } });
      await page.waitForSelector('main [role=alert]', { timeout: 10_000 });
      expect(await page.locator('#import-progress').count()).to.equal(0);
      await ImportJob.updateOne({ _id: id }, { $set: { status: 'running', heartbeat: new Date() } });
    }
    expect(foreign).to.deep.equal([]);
    await context.close();
  });
});
