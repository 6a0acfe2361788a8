import { expect } from 'chai';
import { createEntities, createIncident } from '../helpers/factories.js';
import { axeViolations, recordForeignRequests, screenshot, useBrowser, useServedApp } from '../helpers/browser.js';

describe('browser: maps and charts on a phone and on a desktop', function () {
  this.timeout(240_000);
  const chromium = useBrowser();
  const app = useServedApp();

  it('when the home page and a vendor profile are opened at 390 px, then the narrow charts (larger texts) load; at 1280 px the wide ones; small states show as dots; English and Arabic, no JavaScript, axe 0', async () => {
    const base = app.base();
    const { vendor, product } = await createEntities();
    for (const [country, year] of [['BH', 2019], ['QA', 2020], ['SV', 2021], ['MA', 2021], ['MA', 2022], ['EG', 2016], ['EG', 2024]] as const) {
      await createIncident({ status: 'verified', productId: product._id, vendorId: vendor._id, extra: { countries: [country], year, dates: { from: { y: year }, start: new Date(Date.UTC(year, 0, 1)), end: new Date(Date.UTC(year, 11, 31)) } } });
    }
    for (const lng of ['en', 'ar'] as const) {
      for (const width of [390, 1280]) {
        const context = await chromium.get().newContext({ javaScriptEnabled: false, viewport: { width, height: 900 } });
        const page = await context.newPage();
        const foreign = recordForeignRequests(page, base);
        for (const path of ['/', `/vendors/${vendor.slug}`]) {
          await page.goto(`${base}${path}?lng=${lng}`);
          await page.waitForLoadState('load');
          const sources = await page.$$eval('figure.chart img', (imgs) => imgs.map((i) => (i as unknown as { currentSrc: string }).currentSrc));
          expect(sources.length, path).to.be.greaterThan(0);
          for (const src of sources) expect(src.includes('size=narrow'), `${path} ${width} ${src}`).to.equal(width === 390);
          await screenshot(page, `charts-${path === '/' ? 'home' : 'vendor'}-${lng}-${width}`);
        }
        expect(foreign).to.deep.equal([]);
        await context.close();
      }
      const axe = await chromium.get().newContext({ viewport: { width: 390, height: 900 } });
      const p = await axe.newPage();
      await p.goto(`${base}/vendors/${vendor.slug}?lng=${lng}`);
      expect(await axeViolations(p)).to.deep.equal([]);
      await axe.close();
    }
    // The narrow map: the legend texts 2.2 times larger, the small states' dots too.
    const narrow = await (await fetch(`${base}/charts/global/all/targets-map.svg?lng=en&size=narrow`)).text();
    expect(narrow).to.match(/font-size='52.8'/);
    expect([...narrow.matchAll(/class='small-state' data-country='(\d+)'[^>]*r='15.4'/g)].map((m) => m[1]).sort()).to.deep.equal(['048', '222', '634']);
  });
});
