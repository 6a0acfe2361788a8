import { expect } from 'chai';
import { seedDemo } from '../../src/seed/demo.js';
import { testConfig } from '../helpers/engine.js';
import { createUser } from '../helpers/factories.js';
import { axeViolations, recordForeignRequests, screenshot, signInWithBrowser, useBrowser, useServedApp } from '../helpers/browser.js';

describe('browser: a policymaker goes from the candidates list to a docket, follows the vendor and builds the dossier', function () {
  this.timeout(240_000);
  const chromium = useBrowser();
  const app = useServedApp();
  beforeEach(async () => {
    await seedDemo(testConfig());
  });

  it('in English and in Arabic at 1280 and 390 px, without JavaScript; nothing foreign loads and axe finds no violation', async () => {
    const base = app.base();
    const account = await createUser({ roles: ['policymaker'] });
    for (const lng of ['en', 'ar'] as const) {
      const context = await chromium.get().newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const foreign = recordForeignRequests(page, base);
      await signInWithBrowser(page, base, account, lng);
      await page.goto(`${base}/listings/candidates?lng=${lng}`);
      await screenshot(page, `candidates-${lng}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, `candidates-${lng}-390`);
      await page.setViewportSize({ width: 1280, height: 900 });
      // The listed vendor's docket, from its profile.
      await page.goto(`${base}/vendors/nso-group?lng=${lng}`);
      await screenshot(page, `vendor-listings-${lng}`);
      await page.click('a[href="/vendors/nso-group/docket?regime=us-entity-list"]');
      expect(new URL(page.url()).pathname).to.equal('/vendors/nso-group/docket');
      expect(await page.textContent('main')).to.include('2021-11-04');
      await screenshot(page, `docket-${lng}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, `docket-${lng}-390`);
      await page.setViewportSize({ width: 1280, height: 900 });
      // Follow the vendor from the docket; the Following page lists it.
      await page.click('main form[action="/watching"] button[type=submit]');
      expect(new URL(page.url()).pathname).to.equal('/vendors/nso-group');
      await page.goto(`${base}/watching?lng=${lng}`);
      expect(await page.textContent('main')).to.include(lng === 'en' ? 'NSO Group' : 'مجموعة NSO');
      await screenshot(page, `watching-${lng}`);
      // Build the dossier from the docket: prefilled, framed by the docket's regime.
      await page.goto(`${base}/vendors/nso-group/docket?regime=us-entity-list&lng=${lng}`);
      await page.click('a[href^="/dossiers?vendor=nso-group&framing=us-entity-list"]');
      expect(await page.inputValue('#f-vendor')).to.equal('nso-group');
      expect(await page.inputValue('#f-framing')).to.equal('us-entity-list');
      expect(await page.isChecked('input[name=audience][value=official]')).to.equal(true);
      await page.selectOption('#f-language', lng);
      await page.click('main form.form button[type=submit]');
      expect(page.url()).to.match(/\/dossiers\/D-\d{4}-\d{5}$/);
      await screenshot(page, `dossier-from-docket-${lng}`);
      expect(foreign).to.deep.equal([]);

      const axeContext = await chromium.get().newContext();
      await axeContext.addCookies(await context.cookies());
      const axePage = await axeContext.newPage();
      for (const path of ['/listings', '/listings/candidates', '/vendors/nso-group/docket?regime=us-entity-list', '/vendors/intellexa', '/watching']) {
        await axePage.goto(`${base}${path}${path.includes('?') ? '&' : '?'}lng=${lng}`);
        expect(await axeViolations(axePage), path).to.deep.equal([]);
      }
      await axeContext.close();
      await context.close();
    }
  });

  it('when a reviewer opens the official actions and their form in English and Arabic, then they render and axe finds no violation', async () => {
    const base = app.base();
    const reviewer = await createUser({ roles: ['reviewer'], totp: true });
    // One sign-in: a TOTP code is accepted once.
    const context = await chromium.get().newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInWithBrowser(page, base, reviewer);
    for (const lng of ['en', 'ar'] as const) {
      await page.goto(`${base}/admin/actions?lng=${lng}`);
      expect(await page.textContent('main')).to.include('2021-11-04');
      await screenshot(page, `admin-actions-${lng}`);
      await page.click('a[href="/admin/actions/us-entity-list-2021-11-04/edit"]');
      await screenshot(page, `admin-action-form-${lng}`);
      const axeContext = await chromium.get().newContext();
      await axeContext.addCookies(await context.cookies());
      const axePage = await axeContext.newPage();
      for (const path of ['/admin/actions', '/admin/actions/new', '/admin/actions/us-entity-list-2021-11-04/edit']) {
        await axePage.goto(`${base}${path}?lng=${lng}`);
        expect(await axeViolations(axePage), path).to.deep.equal([]);
      }
      await axeContext.close();
    }
    await context.close();
  });
});
