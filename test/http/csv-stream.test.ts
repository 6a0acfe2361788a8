import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { compressResponses } from '../../src/http/compress.js';
import { streamCsv } from '../../src/http/download.js';

describe('a streamed CSV through the compression the app uses', () => {
  it('when a slow reader takes a large compressed CSV, then every row arrives in order and no wait for `drain` is left behind (Node warns past ten)', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => [`I-2026-${String(i).padStart(5, '0')}`, `row ${i} ${'x'.repeat(40)}`, String(i % 97)]);
    const app = express();
    app.use(compressResponses);
    app.get('/rows.csv', (_req, res, next) => {
      streamCsv(res, 'rows.csv', ['ref', 'text', 'n'], [rows]).catch(next);
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/rows.csv`, { headers: { 'accept-encoding': 'br' } });
      expect(res.headers.get('content-encoding')).to.equal('br');
      const reader = res.body!.getReader();
      const chunks: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        // A slow reader: the writer has to wait for `drain` again and again.
        await new Promise((r) => setTimeout(r, 2));
      }
      // fetch has decoded the brotli stream.
      const text = Buffer.concat(chunks).toString('utf8');
      const lines = text.replace(/^\uFEFF/, '').trimEnd().split(/\r?\n/);
      expect(lines.length).to.equal(rows.length + 1);
      expect(lines.at(-1)).to.equal(`I-2026-39999,row 39999 ${'x'.repeat(40)},${39_999 % 97}`);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).to.deep.equal([]);
    } finally {
      process.off('warning', onWarning);
      server.close();
    }
  });
});
