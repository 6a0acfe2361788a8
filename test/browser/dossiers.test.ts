import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { readArchive } from '../../src/dossiers/package.js';
import { zipOf } from '../dossiers/helpers.js';
import { seedDemo } from '../../src/seed/demo.js';
import { testConfig } from '../helpers/engine.js';
import { createUser } from '../helpers/factories.js';
import { SCREENSHOTS, axeViolations, recordForeignRequests, screenshot, signInWithBrowser, useBrowser, useServedApp } from '../helpers/browser.js';

const run = promisify(execFile);

describe('browser: a policymaker builds, downloads and checks the Intellexa dossier', function () {
  this.timeout(240_000);
  const chromium = useBrowser();
  const app = useServedApp();
  beforeEach(async () => {
    await seedDemo(testConfig());
  });

  it('in English and in Arabic, without JavaScript: the ZIP verifies offline with only the public key, and the PDF text holds the Arabic name in logical order', async () => {
    const base = app.base();
    const account = await createUser({ roles: ['policymaker'] });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dossier-browser-'));
    const key = await (await fetch(`${base}/.well-known/tracker-signing-key.pem`)).text();
    writeFileSync(path.join(dir, 'key.pem'), key);
    for (const lng of ['en', 'ar'] as const) {
      const context = await chromium.get().newContext({ javaScriptEnabled: false, acceptDownloads: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const foreign = recordForeignRequests(page, base);
      await signInWithBrowser(page, base, account, lng);
      await page.goto(`${base}/vendors/intellexa?lng=${lng}`);
      await page.click(`a[href="/dossiers?vendor=intellexa"]`);
      expect(await page.inputValue('#f-vendor')).to.equal('intellexa');
      await page.check('input[name=subject][value=vendor]');
      await page.check('input[name=audience][value=public]');
      await page.selectOption('#f-framing', 'us-entity-list');
      await page.selectOption('#f-language', lng);
      await screenshot(page, `dossier-form-${lng}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, `dossier-form-${lng}-390`);
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.click('main form.form button[type=submit]');
      expect(page.url()).to.match(/\/dossiers\/D-\d{4}-\d{5}$/);
      await screenshot(page, `dossier-show-${lng}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/download"]')]);
      const zipPath = path.join(dir, `intellexa-${lng}.zip`);
      await download.saveAs(zipPath);
      expect(foreign).to.deep.equal([]);

      // "Another machine": the CLI with the ZIP and the public key only, no database, no site data.
      const env = { ...process.env, DATA_DIR: path.join(dir, 'empty'), MONGODB_URI: 'mongodb://127.0.0.1:1/none' };
      const { stdout } = await run('npx', ['tsx', 'src/cli.ts', 'dossier:verify', zipPath, '--key', path.join(dir, 'key.pem')], { env });
      expect(stdout).to.contain('"valid":true');

      const files = readArchive(readFileSync(zipPath));
      // A forged copy (a changed dossier.pdf ahead of the genuine one, same name) on the check page:
      // refused, the rule named in the page's language.
      const pdf = Buffer.from(files.get('dossier.pdf')!);
      pdf[pdf.length - 10] = pdf[pdf.length - 10]! ^ 0x01;
      const forgedPath = path.join(dir, `forged-${lng}.zip`);
      writeFileSync(forgedPath, await zipOf([['dossier.pdf', pdf], ...files]));
      await page.goto(`${base}/dossiers/verify?lng=${lng}`);
      await page.setInputFiles('#f-files', forgedPath);
      await page.click('main form.form button[type=submit]');
      expect(await page.textContent('main')).to.contain(lng === 'ar' ? 'لمدخلين الاسم نفسه' : 'two entries have the same name');
      await screenshot(page, `dossier-verify-refused-${lng}`);
      await page.setInputFiles('#f-files', zipPath);
      await page.click('main form.form button[type=submit]');
      await screenshot(page, `dossier-verify-valid-${lng}`);
      const pdfPath = path.join(dir, `intellexa-${lng}.pdf`);
      writeFileSync(pdfPath, files.get('dossier.pdf')!);
      const text = (await run('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'])).stdout;
      expect(text).to.contain(lng === 'ar' ? 'إنتليكسا' : 'Intellexa');
      expect(text).to.contain('Intellexa');
      expect(text).to.match(/D-\d{4}-\d{5}/);
      expect(text).to.match(/\b1 ?\/ ?\d+\b/).and.match(/\b2 ?\/ ?\d+\b/);
      const fonts = (await run('pdffonts', [pdfPath])).stdout;
      const embedded = fonts.split('\n').slice(2).filter(Boolean).map((line) => line.trim().split(/\s+/).at(-5));
      expect(embedded.length, fonts).to.be.greaterThan(0);
      expect(embedded.every((emb) => emb === 'yes'), fonts).to.equal(true);
      if (lng === 'ar') expect(fonts).to.match(/NotoNaskhArabic/);
      // Pictures of the first pages, to look at.
      await run('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '3', pdfPath, path.join(SCREENSHOTS, `dossier-pdf-${lng}`)]);
      const html = await page.goto(`${page.url()}/files/dossier.html`);
      expect(html!.status()).to.equal(200);
      await screenshot(page, `dossier-html-${lng}`);
      await context.close();
    }
    const context = await chromium.get().newContext();
    const page = await context.newPage();
    await signInWithBrowser(page, base, account);
    for (const url of ['/dossiers', '/dossiers/verify', '/account/tokens']) {
      for (const lng of ['en', 'ar']) {
        await page.goto(`${base}${url}?lng=${lng}`);
        expect(await axeViolations(page), `${url} ${lng}`).to.deep.equal([]);
      }
    }
    await context.close();
  });

  it('staff pages for indicator and incident imports, and the token page, read well in both languages (axe 0)', async () => {
    const base = app.base();
    const staff = await createUser({ roles: ['reviewer', 'policymaker'], totp: true });
    // One sign-in (a TOTP code is accepted once); the language follows ?lng=. axe runs as a script in
    // the page, so this context keeps JavaScript on (the pages have none).
    const context = await chromium.get().newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInWithBrowser(page, base, staff);
    for (const lng of ['en', 'ar'] as const) {
      for (const [url, name] of [['/admin/products/pegasus/indicators', 'stix-import'], ['/review/import', 'csv-import'], ['/account/tokens', 'api-tokens'], ['/dossiers/verify', 'dossier-verify']] as const) {
        await page.goto(`${base}${url}?lng=${lng}`);
        await screenshot(page, `${name}-${lng}`);
        expect(await axeViolations(page), `${url} ${lng}`).to.deep.equal([]);
      }
    }
    await context.close();
  });
});
