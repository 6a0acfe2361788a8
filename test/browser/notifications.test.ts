import { expect } from 'chai';
import { notify } from '../../src/notifications/service.js';
import { createUser } from '../helpers/factories.js';
import { axeViolations, recordForeignRequests, screenshot, signInWithBrowser, useBrowser, useServedApp } from '../helpers/browser.js';

describe('browser: the inbox, e-mail choices and password reset pages', function () {
  this.timeout(240_000);
  const chromium = useBrowser();
  const app = useServedApp();

  it('in English and in Arabic at 1280 and 390 px, without JavaScript; nothing foreign loads and axe finds no violation', async () => {
    const base = app.base();
    const account = await createUser({ name: 'Rania Researcher' });
    await notify([account.user.id], 'report.needs-info', 'R-2026-00042');
    await notify([account.user.id], 'report.triaged', 'R-2026-00042');
    const context = await chromium.get().newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const foreign = recordForeignRequests(page, base);
    await signInWithBrowser(page, base, account);
    for (const lng of ['en', 'ar'] as const) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${base}/notifications?lng=${lng}`);
      expect(await page.textContent('header')).to.match(lng === 'en' ? /Inbox\s+2 unread/ : /الإشعارات/);
      expect(await page.textContent('main')).to.include('R-2026-00042');
      await screenshot(page, `notifications-${lng}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, `notifications-${lng}-390`);
    }
    expect(foreign).to.deep.equal([]);
    const axeContext = await chromium.get().newContext();
    await axeContext.addCookies(await context.cookies());
    const axePage = await axeContext.newPage();
    for (const lng of ['en', 'ar']) {
      await axePage.goto(`${base}/notifications?lng=${lng}`);
      expect(await axeViolations(axePage)).to.deep.equal([]);
    }
    await axeContext.close();
    await context.close();
    // Signed out: the reset pages.
    for (const lng of ['en', 'ar'] as const) {
      const anon = await chromium.get().newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
      const p = await anon.newPage();
      await p.goto(`${base}/login?lng=${lng}`);
      await p.click('a[href="/password/forgot"]');
      await screenshot(p, `password-forgot-${lng}-390`);
      await anon.close();
      const axeAnon = await chromium.get().newContext();
      const ap = await axeAnon.newPage();
      for (const path of ['/password/forgot', '/password/reset/not-a-token']) {
        await ap.goto(`${base}${path}?lng=${lng}`);
        expect(await axeViolations(ap), path).to.deep.equal([]);
      }
      await axeAnon.close();
    }
  });
});
