import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../src/browser/chromium.js';
import { closeApps, makeApp } from './app.js';
import { totpCode } from './factories.js';

export const SCREENSHOTS = path.resolve('test-output/screenshots');

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return launchChromium();
}

/** The app on a real port, for the browser. */
export async function serveApp(overrides: Record<string, string> = {}): Promise<{ base: string; server: Server }> {
  const { app } = makeApp(overrides);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Fails the page if it asks anything of another origin. */
export function recordForeignRequests(page: Page, base: string): string[] {
  const foreign: string[] = [];
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(base) && !url.startsWith('data:')) foreign.push(url);
  });
  return foreign;
}

export async function axeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Mocha hooks for a browser suite: one Chromium for the suite, closed at the end. */
export function useBrowser(): { get: () => Browser } {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  return { get: () => browser! };
}

/** Mocha hooks for a suite that serves the app afresh for each test (a new port, a new app). */
export function useServedApp(): { base: () => string } {
  let served: { base: string; server: Server } | undefined;
  beforeEach(async () => {
    served = await serveApp();
  });
  afterEach(async () => {
    if (served) await new Promise((r) => served!.server.close(r));
    await closeApps();
  });
  return { base: () => served!.base };
}

/** Signs in through the real login form (and the TOTP step when the account has one). */
export async function signInWithBrowser(page: Page, base: string, account: { email: string; password: string; totpSecret?: string }, lng = 'en'): Promise<void> {
  await page.goto(`${base}/login?lng=${lng}`);
  await page.fill('#f-email', account.email);
  await page.fill('#f-password', account.password);
  await page.click('main button[type=submit]');
  if (account.totpSecret) {
    await page.fill('#f-code', await totpCode(account.totpSecret));
    await page.click('main button[type=submit]');
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
