import { expect } from 'chai';
import { createIncident, createUser } from '../helpers/factories.js';
import { axeViolations, recordForeignRequests, screenshot, signInWithBrowser, useBrowser, useServedApp } from '../helpers/browser.js';

/** The reviewers' queue with more incidents not published than a page holds, in a real browser. */
describe('browser: the review queue pages the incidents not published', function () {
  this.timeout(120_000);
  const chromium = useBrowser();
  const app = useServedApp();

  it('when 52 incidents are not published, then the queue shows 50 and a pager to the next page and back, readable and accessible in both languages', async () => {
    const base = app.base();
    for (let n = 0; n < 52; n++) await createIncident({ status: n % 3 === 0 ? 'in-review' : 'draft', title: `Draft number ${n}` });
    const account = await createUser({ roles: ['reviewer'], totp: true });
    const context = await chromium.get().newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const foreign = recordForeignRequests(page, base);
    await signInWithBrowser(page, base, account);
    for (const [lng, position] of [['en', 'Page 1 of 2 (52 incidents, last changed first)'], ['ar', 'الصفحة 1 من 2 (52 حادثة، الأحدث تغييرًا أولًا)']] as const) {
      await page.goto(`${base}/review?lng=${lng}`);
      expect(await page.locator('section[aria-labelledby=incidents-heading] tbody tr').count()).to.equal(50);
      expect(await page.textContent('section[aria-labelledby=incidents-heading] .pager')).to.contain(position);
      expect(await axeViolations(page)).to.deep.equal([]);
      await screenshot(page, `review-queue-${lng}`);
      await page.click('section[aria-labelledby=incidents-heading] .pager a[rel=next]');
      expect(await page.locator('section[aria-labelledby=incidents-heading] tbody tr').count()).to.equal(2);
      expect(await page.textContent('section[aria-labelledby=incidents-heading] tbody')).to.contain('Draft number 0');
      await page.locator('section[aria-labelledby=incidents-heading] .pager').scrollIntoViewIfNeeded();
      await screenshot(page, `review-queue-page-2-${lng}`);
      await page.click('section[aria-labelledby=incidents-heading] .pager a[rel=prev]');
      expect(page.url()).to.contain('page=1');
    }
    expect(foreign).to.deep.equal([]);
    await context.close();
  });
});
