import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { axeViolations, screenshot, signInWithBrowser, useBrowser, useServedApp } from '../helpers/browser.js';
import { createIncident, createUser } from '../helpers/factories.js';
import { jpegWithGps, mvtJson } from '../evidence/helpers.js';

describe('browser: evidence upload and custody page', function () {
  this.timeout(120_000);
  const chromium = useBrowser();
  const app = useServedApp();

  it('when a reviewer uploads a GPS-tagged screenshot and an MVT file through the page, then the custody page shows both hashes and every access', async () => {
    const incident = await createIncident({ status: 'draft', title: 'Evidence walk' });
    const account = await createUser({ roles: ['reviewer'], totp: true });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'upload-'));
    writeFileSync(path.join(dir, 'screenshot.jpg'), await jpegWithGps());
    writeFileSync(path.join(dir, 'mvt-results.json'), mvtJson);
    const context = await chromium.get().newContext({ javaScriptEnabled: false, acceptDownloads: true });
    const page = await context.newPage();
    const base = app.base();
    await signInWithBrowser(page, base, account);
    await page.goto(`${base}/incidents/${incident.ref}`);
    await page.setInputFiles('#f-files', [path.join(dir, 'screenshot.jpg'), path.join(dir, 'mvt-results.json')]);
    await page.click('form[action*="/evidence"] button[type=submit]');
    expect(await page.textContent('main')).to.include('metadata (EXIF, GPS, XMP, IPTC, ICC) removed');
    await screenshot(page, 'evidence-incident-en');
    await page.click('a:has-text(".jpg")');
    const download = page.waitForEvent('download');
    await page.click('a:has-text("Download the working copy")');
    await (await download).path();
    for (const lng of ['en', 'ar']) {
      await page.goto(`${page.url().split('?')[0]}?lng=${lng}`);
      const text = await page.textContent('main');
      expect(text).to.include('evidence.received');
      expect(text).to.include('evidence.downloaded');
      await screenshot(page, `evidence-custody-${lng}`);
    }
    const axeContext = await chromium.get().newContext();
    await axeContext.addCookies(await context.cookies());
    const axePage = await axeContext.newPage();
    for (const lng of ['en', 'ar']) {
      await axePage.goto(`${page.url().split('?')[0]}?lng=${lng}`);
      expect(await axeViolations(axePage), lng).to.deep.equal([]);
    }
    await axeContext.close();
    await context.close();
  });
});
