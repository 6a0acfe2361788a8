import { expect } from 'chai';
import { axeViolations, recordForeignRequests, screenshot, signInWithBrowser, useBrowser, useServedApp } from '../helpers/browser.js';
import { createUser, totpCode } from '../helpers/factories.js';

describe('browser: page shell, sign-in and accessibility', function () {
  this.timeout(120_000);
  const chromium = useBrowser();
  const app = useServedApp();

  for (const lng of ['en', 'ar'] as const) {
    for (const [path, name] of [['/', 'home'], ['/login', 'login'], ['/register', 'register'], ['/privacy', 'privacy'], ['/security', 'security'], ['/contact', 'contact']] as const) {
      it(`when ${path} is opened in ${lng} without JavaScript, then dir is right, nothing foreign loads and axe finds no violation`, async () => {
        const base = app.base();
        for (const width of [1280, 390]) {
          const context = await chromium.get().newContext({ javaScriptEnabled: false, viewport: { width, height: 900 } });
          const page = await context.newPage();
          const foreign = recordForeignRequests(page, base);
          const res = await page.goto(`${base}${path}?lng=${lng}`);
          expect(res?.status()).to.equal(200);
          expect(await page.getAttribute('html', 'dir')).to.equal(lng === 'ar' ? 'rtl' : 'ltr');
          expect(await page.getAttribute('html', 'lang')).to.equal(lng);
          await screenshot(page, `${name}-${lng}-${width}`);
          expect(foreign).to.deep.equal([]);
          await context.close();
        }
        // axe needs script in the page it analyses; the page itself ships none.
        const context = await chromium.get().newContext();
        const page = await context.newPage();
        await page.goto(`${base}${path}?lng=${lng}`);
        expect(await axeViolations(page)).to.deep.equal([]);
        await context.close();
      });
    }
  }

  it('when an admin signs in with password and TOTP in the browser, then the account and admin pages open (both languages)', async () => {

    const base = app.base();
    const admin = await createUser({ roles: ['admin'], totp: true, name: 'Amal Admin' });
    await createUser({ status: 'pending', name: 'Pending Researcher' });
    const context = await chromium.get().newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const foreign = recordForeignRequests(page, base);
    await page.goto(`${base}/login?lng=en`);
    await page.fill('#f-email', admin.email);
    await page.fill('#f-password', admin.password);
    await page.click('button[type=submit].button');
    expect(new URL(page.url()).pathname).to.equal('/login/totp');
    await screenshot(page, 'totp-login-en');
    await page.fill('#f-code', await totpCode(admin.totpSecret!));
    await page.click('button[type=submit].button');
    expect(new URL(page.url()).pathname).to.equal('/account');
    expect(await page.textContent('main')).to.include('Amal Admin');
    await screenshot(page, 'account-en');
    for (const lng of ['en', 'ar']) {
      await page.goto(`${base}/account?lng=${lng}`);
      await screenshot(page, `account-${lng}`);
      await page.goto(`${base}/admin/users?lng=${lng}`);
      expect(await page.textContent('main')).to.include('Pending Researcher');
      await screenshot(page, `admin-users-${lng}`);
      await page.goto(`${base}/admin/audit?lng=${lng}`);
      await screenshot(page, `admin-audit-${lng}`);
    }
    expect(foreign).to.deep.equal([]);
    const axeContext = await chromium.get().newContext();
    await axeContext.addCookies(await context.cookies());
    const axePage = await axeContext.newPage();
    for (const path of ['/account', '/admin/users', '/admin/audit', '/account/totp']) {
      await axePage.goto(`${base}${path}?lng=ar`);
      expect(await axeViolations(axePage), path).to.deep.equal([]);
    }
    await context.close();
    await axeContext.close();
  });

  it('when a researcher sets up TOTP in the browser, then the secret and recovery codes are shown', async () => {

    const base = app.base();
    const account = await createUser({ name: 'Rania Researcher' });
    const context = await chromium.get().newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signInWithBrowser(page, base, account, 'ar');
    await page.goto(`${base}/account/totp?lng=ar`);
    await screenshot(page, 'totp-enrol-ar');
    const secret = (await page.textContent('.secret code'))!.replace(/\s/g, '');
    await page.fill('#f-code', await totpCode(secret));
    await page.click('button[type=submit].button');
    expect(new URL(page.url()).pathname).to.equal('/account/recovery-codes');
    expect(await page.locator('.codes li').count()).to.equal(10);
    await screenshot(page, 'recovery-codes-ar');
    await context.close();
  });
});
