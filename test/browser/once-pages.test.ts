import { expect } from 'chai';
import { ApiToken } from '../../src/api/model.js';
import { Report } from '../../src/reports/model.js';
import { createUser } from '../helpers/factories.js';
import { axeViolations, recordForeignRequests, screenshot, signInWithBrowser, useBrowser, useServedApp } from '../helpers/browser.js';

/**
 * What is shown once, in a real browser (the site sends no script), in English and Arabic: the page a creating
 * form leads to shows the secret, and the browser's reload shows it no more and submits nothing.
 */
describe('browser: pages that show something once (Post/Redirect/Get)', function () {
  this.timeout(120_000);
  const chromium = useBrowser();
  const app = useServedApp();

  it('when a policymaker creates an API token and reloads, then the token is shown once and one token exists', async () => {
    const base = app.base();
    const account = await createUser({ roles: ['policymaker'] });
    for (const lng of ['en', 'ar'] as const) {
      const context = await chromium.get().newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const foreign = recordForeignRequests(page, base);
      await signInWithBrowser(page, base, account, lng);
      await page.goto(`${base}/account/tokens?lng=${lng}`);
      await page.fill('#f-name', `notebook ${lng}`);
      await page.click('main form[action="/account/tokens"] button[type=submit]');
      expect(page.url()).to.match(/\/account\/tokens\/new\/[A-Za-z0-9_-]{22}$/);
      const token = await page.textContent('code.token');
      expect(token).to.match(/^sit_/);
      expect(await axeViolations(page)).to.deep.equal([]);
      await screenshot(page, `token-shown-${lng}`);
      await page.reload();
      expect(await page.content()).not.to.contain(token!);
      expect(await page.locator('main [role=status]').count()).to.equal(1);
      expect(await axeViolations(page)).to.deep.equal([]);
      await screenshot(page, `token-reloaded-${lng}`);
      expect(foreign).to.deep.equal([]);
      await context.close();
    }
    expect(await ApiToken.countDocuments({})).to.equal(2);
  });

  it('when an anonymous visitor files a report and reloads the receipt, then the code is shown once and one report is filed', async () => {
    const base = app.base();
    for (const lng of ['en', 'ar'] as const) {
      const context = await chromium.get().newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${base}/reports/new?lng=${lng}`);
      await page.fill('#f-title', 'Phone of an editor infected');
      await page.fill('#f-narrative', 'An SMS with a link arrived in March 2022.');
      await page.fill('#f-dates-from', '2022-03');
      await page.selectOption('#f-country', 'MA');
      await page.selectOption('#f-targets-0-category', 'journalist');
      await page.fill('#f-targets-0-pseudonym', 'Editor A');
      await page.click('main form[action^="/reports?"] button[type=submit]');
      expect(page.url()).to.match(/\/reports\/receipt\/[A-Za-z0-9_-]{22}$/);
      const code = await page.textContent('main code');
      expect(code).to.match(/^[A-Z2-7-]{39}$/);
      await screenshot(page, `receipt-shown-${lng}`);
      await page.reload();
      expect(await page.content()).not.to.contain(code!);
      expect(await axeViolations(page)).to.deep.equal([]);
      await screenshot(page, `receipt-reloaded-${lng}`);
      await context.close();
    }
    expect(await Report.countDocuments({})).to.equal(2);
  });
});
