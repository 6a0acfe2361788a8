import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CHROMIUM, launchChromium } from '../../browser/chromium.js';
import { HttpError } from '../../http/errors.js';
import { renderView } from '../../http/views.js';
import { countryName } from '../../countries/index.js';
import { directionOf, i18next, initI18n } from '../../i18n/index.js';
import type { DossierContent } from '../content.js';

const root = path.resolve(import.meta.dirname, '../../..');
export const DOSSIER_CSS = readFileSync(path.join(root, 'public/css/dossier.css'));

export interface Signature {
  keyId: string;
  keyUrl: string;
}

/** The dossier as one HTML page (with dossier.css beside it), in the dossier's language. */
export async function dossierHtml(content: DossierContent, signature: Signature): Promise<Buffer> {
  await initI18n();
  const lng = content.language;
  const t = i18next.getFixedT(lng);
  const subjectName =
    content.subject.kind === 'filter' ? t('dossier.filterSubject') : lng === 'ar' && content.subject.nameAr ? content.subject.nameAr : content.subject.name;
  const html = renderView('dossiers/document', {
    d: content,
    t,
    dir: directionOf(lng),
    listSep: lng === 'ar' ? '، ' : ', ',
    // The chain reads product → vendor → operator in the direction of the text.
    arrow: lng === 'ar' ? ' ← ' : ' → ',
    // Dates and codes inside translated sentences keep their own left-to-right order (Unicode isolates).
    ltr: (text: string) => `\u2066${text}\u2069`,
    subjectName,
    countryName: (code: string) => countryName(code, lng),
    keyId: signature.keyId,
    keyUrl: signature.keyUrl,
  });
  return Buffer.from(html, 'utf8');
}

/**
 * Prints the HTML to PDF with Chromium: text stays text (Arabic shaped and in logical order, so it
 * can be searched and copied), fonts are embedded, and every page carries the dossier id and its
 * number. Nothing is fetched: every request the page makes is refused.
 */
export function dossierPdf(html: Buffer, id: string): Promise<Buffer> {
  // One print at a time per process: a 1,000-incident dossier takes Chromium ~2 GB for a few seconds.
  const result = printing.then(() => printPdf(html, id));
  printing = result.catch(() => undefined);
  return result;
}

let printing: Promise<unknown> = Promise.resolve();

async function printPdf(html: Buffer, id: string): Promise<Buffer> {
  if (!existsSync(CHROMIUM)) throw new HttpError(503, 'dossier.printerMissing');
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    const page = await context.newPage();
    await page.route('**/*', (route) => route.abort());
    // The printed page carries its style inline (this page is never served, so no CSP applies).
    const inline = `<style>${DOSSIER_CSS.toString('utf8')}</style>`;
    await page.setContent(html.toString('utf8').replace('<link rel="stylesheet" href="dossier.css">', () => inline), { waitUntil: 'load' });
    const stamp = `<div style="font-family:'DejaVu Sans',sans-serif;font-size:8px;color:#57606a;width:100%;padding:0 12mm;display:flex;justify-content:space-between;direction:ltr"><span>${id}</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`;
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: `<div style="font-family:'DejaVu Sans',sans-serif;font-size:8px;color:#57606a;width:100%;text-align:center">${id}</div>`,
      footerTemplate: stamp,
      margin: { top: '16mm', bottom: '16mm', left: '14mm', right: '14mm' },
      tagged: true,
      outline: true,
    });
    await context.close();
    return pdf;
  } finally {
    await browser.close();
  }
}
