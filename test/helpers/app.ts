import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { testConfig } from './engine.js';
import { siteSigner } from '../../src/signing/index.js';
import path from 'node:path';
import { SealedFileStore } from '../../src/storage/sealed-files.js';
import { newVaultKeySpec } from '../../src/vault/index.js';

export const TEST_IDENTITY_KEYS = newVaultKeySpec('test');

export interface TestApp {
  app: Express;
  close: () => Promise<void>;
}

const opened: TestApp[] = [];

export function makeApp(overrides: Record<string, string> = {}, engineUp: () => boolean = () => true): TestApp {
  const config = testConfig(overrides);
  const built = createApp({ config, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), sessionSecret: 'test-secret-'.padEnd(48, 'x'), identityKeys: TEST_IDENTITY_KEYS, signer: siteSigner(config), evidenceStore: new SealedFileStore(path.join(config.DATA_DIR, 'evidence')), engineUp });
  opened.push(built);
  return built;
}

export async function closeApps(): Promise<void> {
  await Promise.all(opened.splice(0).map((a) => a.close()));
}

export type Agent = ReturnType<typeof supertest.agent>;

export function agent(app: Express): Agent {
  return supertest.agent(app);
}

/** The CSRF token of the form on a page (a real user's browser reads the same hidden field). */
export async function csrfFrom(a: Agent, path: string): Promise<string> {
  const res = await a.get(path);
  const match = /name="_csrf" value="([^"]+)"/.exec(res.text);
  if (!match?.[1]) throw new Error(`no CSRF field on ${path} (status ${res.status})`);
  return match[1];
}

/** A response body as bytes, whatever its type (supertest only buffers text types by itself). */
/** The texts a pattern finds on a list's page and on every page after it, following its rel="next" links. */
export async function acrossPages(a: Agent, html: string, pattern: RegExp): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    seen.push(...[...html.matchAll(pattern)].map((m) => m[1]!));
    const next = /href="([^"]+)" rel="next"/.exec(html);
    if (!next) return seen;
    html = (await a.get(next[1]!.replaceAll('&amp;', '&'))).text;
  }
}

export function binary(a: Agent, url: string) {
  return a.get(url).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
}

export function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  return cookies.find((c) => c.startsWith('tracker.sid='))?.split(';')[0];
}
