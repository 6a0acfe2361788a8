import { readFileSync, readdirSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { isAlive, startServerProcess, useTempDataDir, waitFor } from '../helpers/server-process.js';

describe('evidence upload interrupted by a crash (npm start, SIGKILL)', function () {
  this.timeout(180_000);
  const data = useTempDataDir('tracker-crash-');

  it('when the app is killed half-way through an upload, then after a restart there is no record without its file and no file without its record', async () => {
    const dataDir = data.get();
    const server = await startServerProcess(dataDir);
    const form = await fetch(`http://127.0.0.1:${server.port}/reports/new`);
    const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;

    // A 20 MB upload, of which only the first 5 MB are sent before the process is killed.
    const boundary = 'crashboundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nCrash\r\n--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`);
    const total = head.length + 20 * 1024 * 1024;
    const req = http.request({
      host: '127.0.0.1', port: server.port, method: 'POST', path: `/reports?_csrf=${encodeURIComponent(token)}`,
      headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': total },
    });
    let answered: number | undefined;
    req.on('response', (res) => (answered = res.statusCode));
    req.on('error', () => undefined);
    req.write(head);
    for (let i = 0; i < 5; i++) req.write(Buffer.alloc(1024 * 1024, 'a'));
    await new Promise((r) => setTimeout(r, 300));
    // The request passed the CSRF and origin checks and is being read: no early refusal answered it.
    expect(answered).to.equal(undefined);
    server.child.kill('SIGKILL');
    await server.exited;
    req.destroy();
    expect(await waitFor(() => !isAlive(server.enginePid), 10_000)).to.equal(true);

    // What a crash at the other moments would leave: a half-written file, and a whole file whose record never came.
    const evidenceDir = path.join(dataDir, 'evidence');
    mkdirSync(evidenceDir, { recursive: true });
    writeFileSync(path.join(evidenceDir, '.0123456789abcdef0123456789abcdef.tmp'), 'partial');
    writeFileSync(path.join(evidenceDir, 'fedcba9876543210fedcba9876543210.bin'), 'orphan');
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(evidenceDir, 'fedcba9876543210fedcba9876543210.bin'), old, old);

    const again = await startServerProcess(dataDir);
    try {
      expect(again.output()).to.include('removed evidence files that no record refers to');
      const { uri } = JSON.parse(readFileSync(path.join(dataDir, 'engine.json'), 'utf8')) as { uri: string };
      const client = await MongoClient.connect(uri);
      try {
        const db = client.db();
        expect(await db.collection('reports').countDocuments({})).to.equal(0);
        expect(await db.collection('evidences').countDocuments({})).to.equal(0);
      } finally {
        await client.close();
      }
      expect(readdirSync(evidenceDir)).to.deep.equal([]);
      expect((await fetch(`http://127.0.0.1:${again.port}/healthz`)).status).to.equal(200);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});
