// `npm run bench:upload`: time to receive 25 MB evidence files through the report form (inspect,
// hash, seal, write, record), on the embedded engine, in one app process. Prints figures.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connectDatabase, disconnectDatabase, ensureIndexes, startEngine } from '../../src/db/index.js';
import { SealedFileStore } from '../../src/storage/sealed-files.js';
import { initI18n } from '../../src/i18n/index.js';
import { createLogger } from '../../src/log.js';
import '../../src/models.js';
import { siteSigner } from '../../src/signing/index.js';
import { newVaultKeySpec } from '../../src/vault/index.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracker-upload-bench-'));
const config = loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', LOG_LEVEL: 'silent', ANONYMOUS_REPORTS_PER_HOUR: '10000' });
const logger = createLogger('silent');
const engine = await startEngine(config, logger);
await connectDatabase(engine.uri);
await ensureIndexes(logger);
await initI18n();
const { app } = createApp({ config, logger, sessionSecret: 'bench'.padEnd(48, 'x'), identityKeys: newVaultKeySpec(), signer: siteSigner(config), evidenceStore: new SealedFileStore(path.join(dataDir, 'evidence')), engineUp: () => true });
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const fields: Record<string, string> = {
  title: 'Upload benchmark', narrative: 'Timing a 25 MB evidence file.', 'dates[from]': '2024', country: 'MA',
  'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'A', 'targets[0][consent]': 'no',
};

async function submit(name: string, data: Buffer): Promise<number> {
  const page = await fetch(`${base}/reports/new`);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  body.append('files', new Blob([data]), name);
  const started = performance.now();
  const res = await fetch(`${base}/reports?_csrf=${encodeURIComponent(token)}`, { method: 'POST', body, redirect: 'manual', headers: { cookie, 'sec-fetch-site': 'same-origin' } });
  if (res.status !== 303) throw new Error(`${name}: ${res.status}`);
  return performance.now() - started;
}

const size = 25 * 1024 * 1024;
const text = Buffer.alloc(size, 'evidence line\n');
const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(size - 9, 0x20)]);
// A photo-sized JPEG of about 24 MP (noise does not compress: the file is large, like a real photo).
const jpeg = await sharp(Buffer.from(Array.from({ length: 6000 * 4000 * 3 }, () => Math.floor(Math.random() * 256))), { raw: { width: 6000, height: 4000, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();

console.log('file'.padEnd(30), 'MB'.padStart(7), 'best ms'.padStart(9), 'median ms'.padStart(10), 'MB/s'.padStart(7));
for (const [label, name, data] of [['plain text', 'log.txt', text], ['PDF', 'report.pdf', pdf], ['JPEG ~24 MP (+ working copy)', 'photo.jpg', jpeg]] as const) {
  const times = [];
  for (let i = 0; i < 5; i++) times.push(await submit(name, data));
  times.sort((a, b) => a - b);
  const mb = data.length / 1024 / 1024;
  console.log(label.padEnd(30), mb.toFixed(1).padStart(7), times[0]!.toFixed(0).padStart(9), times[2]!.toFixed(0).padStart(10), (mb / (times[2]! / 1000)).toFixed(1).padStart(7));
}
server.close();
await disconnectDatabase();
await engine.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
