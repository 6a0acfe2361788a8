import { expect } from 'chai';
import { Incident } from '../../src/incidents/model.js';
import { seedDemo } from '../../src/seed/demo.js';
import { Product } from '../../src/products/model.js';
import { createEntities, createIncident, createUser } from '../helpers/factories.js';
import { axeViolations, recordForeignRequests, screenshot, signInWithBrowser, useBrowser, useServedApp } from '../helpers/browser.js';
import { testConfig } from '../helpers/engine.js';
import { publish } from '../../src/events/index.js';

describe('browser: vendor profile and filtered search on the demo data', function () {
  this.timeout(180_000);
  const chromium = useBrowser();
  const app = useServedApp();
  beforeEach(async () => {
    await seedDemo(testConfig());
  });

  it('when an analyst asks which governments used Predator against politicians and whether Intellexa is listed, then the pages answer it in both languages without JavaScript', async () => {

    const base = app.base();
    for (const lng of ['en', 'ar'] as const) {
      for (const width of [1280, 390]) {
        const context = await chromium.get().newContext({ javaScriptEnabled: false, viewport: { width, height: 900 } });
        const page = await context.newPage();
        const foreign = recordForeignRequests(page, base);
        // A filtered search, built with the form (GET, no script).
        await page.goto(`${base}/incidents?lng=${lng}`);
        await page.selectOption('#f-product', 'predator');
        await page.selectOption('#f-target', 'politician');
        await page.click('form.filter-form button[type=submit]');
        expect(page.url()).to.include('product=predator').and.include('target=politician');
        const results = await page.textContent('main');
        expect(results).to.include(lng === 'ar' ? 'الحكومة المصرية' : 'Government of Egypt');
        expect(await page.locator('table.incidents-table tbody tr').count()).to.equal(2);
        await screenshot(page, `search-predator-${lng}-${width}`);
        // The vendor profile.
        await page.goto(`${base}/vendors/intellexa?lng=${lng}`);
        const profile = await page.textContent('main');
        expect(profile).to.include(lng === 'ar' ? 'قائمة الكيانات الأمريكية' : 'US Entity List');
        expect(profile).to.include(lng === 'ar' ? 'مُدرجة في نظامين' : 'Listed under 2 regimes');
        expect(await page.getAttribute('html', 'dir')).to.equal(lng === 'ar' ? 'rtl' : 'ltr');
        await screenshot(page, `vendor-intellexa-${lng}-${width}`);
        await page.goto(`${base}/?lng=${lng}`);
        await screenshot(page, `home-demo-${lng}-${width}`);
        expect(foreign).to.deep.equal([]);
        await context.close();
      }
    }
    const context = await chromium.get().newContext();
    const page = await context.newPage();
    for (const path of ['/', '/incidents?product=predator&target=politician', '/vendors', '/vendors/intellexa', '/products/pegasus', '/governments', '/governments/egypt']) {
      for (const lng of ['en', 'ar']) {
        await page.goto(`${base}${path}${path.includes('?') ? '&' : '?'}lng=${lng}`);
        expect(await axeViolations(page), `${path} ${lng}`).to.deep.equal([]);
      }
    }
    await context.close();
  });

  it('when the incident list is read on a desktop or a narrower window, in either language, then every column of the table is in view: no operator or confidence is hidden behind a sideways scroll', async () => {
    const base = app.base();
    for (const lng of ['en', 'ar'] as const) {
      for (const width of [1600, 1280, 1000]) {
        const context = await chromium.get().newContext({ javaScriptEnabled: false, viewport: { width, height: 900 } });
        const page = await context.newPage();
        await page.goto(`${base}/incidents?lng=${lng}`);
        const wrap = page.locator('.table-wrap').first();
        const [scrolled, shown] = await wrap.evaluate((el) => [el.scrollWidth, el.clientWidth]);
        expect(scrolled, `${lng} at ${width} px: the table is ${scrolled} px wide in ${shown}`).to.be.at.most(shown);
        // The demo holds a medium-confidence operator claim, the widest badge of the operator column.
        expect(await page.locator('table.incidents-table .confidence-medium').count()).to.be.greaterThan(0);
        await context.close();
      }
    }
  });
});

describe('browser: attribution claims on the demo data (two products, two operators; a lead)', function () {
  this.timeout(180_000);
  const chromium = useBrowser();
  const app = useServedApp();
  beforeEach(async () => {
    await seedDemo(testConfig());
  });

  it('when the doubly infected iPhone and Egypt\'s profile are opened, then each operator is shown with what it operated, leads apart, in both languages, axe 0', async () => {
    const base = app.base();
    const doubly = (await Incident.findOne({ title: /both Pegasus and Predator/ }).lean())!;
    for (const lng of ['en', 'ar'] as const) {
      const context = await chromium.get().newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const foreign = recordForeignRequests(page, base);
      await page.goto(`${base}/incidents/${doubly.ref}?lng=${lng}`);
      expect(await page.textContent('main')).to.include(lng === 'ar' ? 'شغّلت: بريداتور' : 'Operated: Predator');
      expect(await axeViolations(page)).to.deep.equal([]);
      await screenshot(page, `claims-incident-two-products-${lng}`);
      await page.goto(`${base}/governments/egypt?lng=${lng}`);
      expect(await page.locator('#leads-heading').count()).to.equal(1);
      expect(await axeViolations(page)).to.deep.equal([]);
      await screenshot(page, `claims-government-leads-${lng}`);
      expect(foreign).to.deep.equal([]);
      await context.close();
    }
  });
});

describe('browser: what reviewers link and what a product changed hands to', function () {
  this.timeout(180_000);
  const chromium = useBrowser();
  const app = useServedApp();

  it('when a reviewer opens the queue with an unlinked operator claim, and anyone opens a product that changed hands, then both read in English and Arabic, axe 0', async () => {
    const base = app.base();
    const { product, government } = await createEntities();
    const { vendor: before } = await createEntities();
    await Product.updateOne({ _id: product._id }, { $set: { formerVendors: [{ vendor: before._id, until: new Date('2020-01-01') }] } });
    const other = await createEntities();
    await createIncident({ status: 'verified', title: 'Two products, operator unlinked', extra: { attributions: [
      { kind: 'product', product: product._id, confidence: 'high', basis: 'Traces.', sources: [0] },
      { kind: 'product', product: other.product._id, confidence: 'high', basis: 'Traces.', sources: [0] },
      { kind: 'government', government: government._id, confidence: 'medium', basis: 'Targeting.', sources: [0] },
    ] } });
    await publish({ kind: 'entities-changed' });
    for (const lng of ['en', 'ar'] as const) {
      // One account per language: a TOTP code is accepted once, and both sign-ins may fall in one step.
      const account = await createUser({ roles: ['reviewer'], totp: true });
      const context = await chromium.get().newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const foreign = recordForeignRequests(page, base);
      await page.goto(`${base}/products/${product.slug}?lng=${lng}`);
      expect(await page.textContent('main')).to.include(lng === 'ar' ? before.nameAr : before.name).and.include(lng === 'ar' ? 'حزمة STIX 2.1 الكاملة' : 'full STIX 2.1 bundle');
      expect(await axeViolations(page)).to.deep.equal([]);
      await screenshot(page, `product-former-vendor-${lng}`);
      await signInWithBrowser(page, base, account, lng);
      await page.goto(`${base}/review?lng=${lng}`);
      expect(await page.textContent('#link-heading')).to.equal(lng === 'ar' ? 'ادعاءات تشغيل تحتاج إلى ربط' : 'Operator claims to link');
      expect(await axeViolations(page)).to.deep.equal([]);
      await screenshot(page, `review-operators-to-link-${lng}`);
      expect(foreign).to.deep.equal([]);
      await context.close();
    }
  });
});

