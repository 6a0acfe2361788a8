import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { open, type Sealed } from '../../src/vault/index.js';
import sharp from 'sharp';
import { AuditEvent } from '../../src/audit/index.js';
import { Evidence } from '../../src/evidence/model.js';
import { SealedFileStore } from '../../src/storage/sealed-files.js';
import { sweepEvidence } from '../../src/evidence/service.js';
import { TEST_IDENTITY_KEYS, agent, binary, closeApps, csrfFrom, makeApp, type Agent } from '../helpers/app.js';
import { testState } from '../helpers/engine.js';
import { createIncident, createUser, signIn, signedInAs } from '../helpers/factories.js';
import { hugePng, jpegWithGps, mvtJson, zip } from './helpers.js';

const run = promisify(execFile);
const evidenceDir = () => path.join(testState.dataDir!, 'evidence');
const storedFiles = () => readdirSync(evidenceDir());

const reviewer = (app: Parameters<typeof agent>[0]) => signedInAs(app, ['reviewer']);

async function upload(a: Agent, ref: string, files: { name: string; data: Buffer }[], opts: { token?: string | null; site?: string } = {}) {
  const token = opts.token === undefined ? await csrfFrom(a, `/incidents/${ref}`) : opts.token;
  let req = a.post(`/incidents/${ref}/evidence${token ? `?_csrf=${encodeURIComponent(token)}` : ''}`).set('Sec-Fetch-Site', opts.site ?? 'same-origin');
  for (const f of files) req = req.attach('files', f.data, f.name);
  return req;
}


describe('evidence files', () => {
  afterEach(closeApps);

  it('when a reviewer attaches a GPS-tagged screenshot and an MVT JSON, then both are stored encrypted with their SHA-256, the working copy has no EXIF, and downloads are logged', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'draft' });
    const a = await reviewer(app);
    const jpeg = await jpegWithGps();
    expect((await sharp(jpeg).metadata()).exif).to.be.instanceOf(Buffer);
    const res = await upload(a, incident.ref, [{ name: 'screenshot.jpg', data: jpeg }, { name: 'mvt-results.json', data: mvtJson }]);
    expect(res.status).to.equal(303);
    const items = await Evidence.find({ incident: incident._id }).sort({ receivedAt: 1 }).lean();
    expect(items.map((i) => i.original.mediaType)).to.deep.equal(['image/jpeg', 'application/json']);
    expect(items[0]!.metadataStripped).to.equal(true);
    // At rest: encrypted, named by random id.
    for (const file of storedFiles().filter((f) => f.endsWith('.bin'))) {
      const raw = readFileSync(path.join(evidenceDir(), file));
      expect(raw.includes(Buffer.from('free247downloads'))).to.equal(false);
      expect(raw.includes(Buffer.from('CanaryPhone'))).to.equal(false);
    }
    expect(storedFiles().join()).not.to.match(/screenshot|mvt/);
    const page = await a.get(`/incidents/${incident.ref}`);
    expect(page.text).to.include(`sha256:${items[0]!.original.sha256}`);

    const original = await binary(a, `/evidence/${String(items[0]!._id)}/original`);
    expect(Buffer.compare(original.body as Buffer, jpeg)).to.equal(0);
    const label = items[0]!.name;
    expect(label).to.match(/^file-[0-9a-f]{12}\.jpg$/);
    expect(original.headers['content-disposition']).to.equal(`attachment; filename="${label}"; filename*=UTF-8''${label}`);
    expect(original.headers['x-content-type-options']).to.equal('nosniff');
    expect(original.headers['content-security-policy']).to.equal('sandbox');
    expect(original.headers['cache-control']).to.equal('no-store');
    const working = await binary(a, `/evidence/${String(items[0]!._id)}/working`);
    const meta = await sharp(working.body as Buffer).metadata();
    expect(meta.exif).to.equal(undefined);
    expect(meta.icc).to.equal(undefined);
    expect((working.body as Buffer).includes(Buffer.from('CanaryPhone'))).to.equal(false);

    const custody = await a.get(`/evidence/${String(items[0]!._id)}`);
    expect(custody.text).to.include(items[0]!.original.sha256);
    expect(custody.text).to.include(items[0]!.working!.sha256);
    expect(custody.text).to.include('evidence.received');
    expect(await AuditEvent.countDocuments({ action: 'evidence.downloaded', 'subject.id': String(items[0]!._id) })).to.equal(2);
  });

  it('when others ask for evidence, then originals are 404, and working copies only once public on a published incident', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'verified' });
    const a = await reviewer(app);
    await upload(a, incident.ref, [{ name: 'shot.png', data: await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer() }]);
    const id = String((await Evidence.findOne({}).lean())!._id);
    const researcher = agent(app);
    await signIn(researcher, await createUser());
    for (const who of [agent(app), researcher]) {
      expect((await who.get(`/evidence/${id}/original`)).status).to.equal(404);
      expect((await who.get(`/evidence/${id}/working`)).status).to.equal(404);
    }
    expect((await researcher.get(`/evidence/${id}`)).status).to.equal(403);
    expect((await agent(app).get(`/incidents/${incident.ref}`)).text).not.to.include(`/evidence/${id}/working`);
    const token = await csrfFrom(a, `/evidence/${id}`);
    await a.post(`/evidence/${id}/classification`).type('form').send({ _csrf: token, classification: 'public' });
    expect((await binary(agent(app), `/evidence/${id}/working`)).status).to.equal(200);
    // The public page of the incident now lists the working copy (never the original).
    const publicPage = (await agent(app).get(`/incidents/${incident.ref}`)).text;
    expect(publicPage).to.include(`href="/evidence/${id}/working"`);
    expect(publicPage).not.to.include(`/evidence/${id}/original`);
    expect((await agent(app).get(`/evidence/${id}/original`)).status).to.equal(404);
  });

  const refused: [string, () => { name: string; data: Buffer } | Promise<{ name: string; data: Buffer }>, number][] = [
    ['an HTML page renamed .jpg', () => ({ name: 'photo.jpg', data: Buffer.from('<!doctype html><script>alert(1)</script>') }), 415],
    ['an SVG image', () => ({ name: 'logo.svg', data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') }), 415],
    ['an SVG renamed .txt', () => ({ name: 'notes.txt', data: Buffer.from('<svg onload="alert(1)"/>') }), 415],
    ['a shell script', () => ({ name: 'run.sh', data: Buffer.from('#!/bin/sh\nrm -rf /\n') }), 415],
    ['a PNG claiming 14000 × 14000 pixels', () => ({ name: 'bomb.png', data: hugePng() }), 415],
    ['a JSON file that is not JSON', () => ({ name: 'mvt.json', data: Buffer.from('{not json') }), 415],
    ['a zip bomb', async () => ({ name: 'bomb.zip', data: await zip([{ name: 'zeros.bin', data: Buffer.alloc(20 * 1024 * 1024) }]) }), 415],
    ['a zip with a path out of the archive', async () => {
      const z = await zip([{ name: 'aa/evil.txt', data: Buffer.from('x') }]);
      return { name: 'slip.zip', data: Buffer.from(z.toString('latin1').replaceAll('aa/evil.txt', '../evil.txt'), 'latin1') };
    }, 415],
    ['a zip holding a symlink', async () => ({ name: 'link.zip', data: await zip([{ name: 'link', data: Buffer.from('/etc/passwd'), symlink: true }]) }), 415],
  ];
  for (const [what, make, status] of refused) {
    it(`when the upload is ${what}, then ${status} and nothing is stored`, async () => {
      const { app } = makeApp();
      const incident = await createIncident({ status: 'draft' });
      const a = await reviewer(app);
      const before = storedFiles().sort();
      const started = Date.now();
      const res = await upload(a, incident.ref, [{ name: 'fine.json', data: mvtJson }, await make()]);
      expect(res.status).to.equal(status);
      expect(Date.now() - started).to.be.lessThan(5_000);
      expect(await Evidence.countDocuments({})).to.equal(0);
      expect(storedFiles().sort()).to.deep.equal(before);
    });
  }

  it('when a file name carries ../, NUL or CRLF, then it is refused or stored under a harmless name, and headers stay intact', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'draft' });
    const a = await reviewer(app);
    // CR/LF trying to inject a header: refused, or stored under a name without them.
    const injected = await upload(a, incident.ref, [{ name: '../../etc/pa\r\nContent-Type: text/html\r\nx.json', data: mvtJson }]);
    expect(injected.status).to.be.oneOf([303, 400]);
    for (const e of await Evidence.find({}).lean()) {
      expect(open(e.sealedName as Sealed)).not.to.match(/[\p{Cc}/\\:]/u);
      const res = await binary(a, `/evidence/${String(e._id)}/original`);
      expect(res.headers['content-type']).to.equal('application/json');
      expect(res.headers['content-disposition']).not.to.match(/[\r\n]/);
      await Evidence.deleteOne({ _id: e._id });
    }
    // A bare NUL: refused, or cleaned.
    const nul = await upload(a, incident.ref, [{ name: '..\\..\\win\u0000dows.json', data: mvtJson }]);
    expect(nul.status).to.be.oneOf([303, 400]);
    for (const e of await Evidence.find({}).lean()) {
      expect(open(e.sealedName as Sealed)).to.equal('windows.json');
      await Evidence.deleteOne({ _id: e._id });
    }
    // What browsers send (CR/LF percent-encoded, decoded by the parser): the last path segment, without them.
    expect((await upload(a, incident.ref, [{ name: '../../etc/pa%0D%0Ass.json', data: mvtJson }])).status).to.equal(303);
    const stored = await Evidence.find({}).lean();
    expect(stored.map((e) => open(e.sealedName as Sealed))).to.deep.equal(['pass.json']);
    // Downloads carry the neutral label, never the uploader's file name.
    const label = `file-${stored[0]!.original.sha256.slice(0, 12)}.json`;
    expect(stored[0]!.name).to.equal(label);
    const res = await binary(a, `/evidence/${String(stored[0]!._id)}/original`);
    expect(res.headers['content-disposition']).to.equal(`attachment; filename="${label}"; filename*=UTF-8''${label}`);
    expect(Object.keys(res.headers)).not.to.include('content-type: text/html');
  });

  it('when the upload is empty, malformed, too large, cross-site or without a CSRF token, then 4xx and nothing stored', async () => {
    const { app } = makeApp({ EVIDENCE_MAX_FILE_MB: '1' });
    const incident = await createIncident({ status: 'draft' });
    const a = await reviewer(app);
    const token = await csrfFrom(a, `/incidents/${incident.ref}`);
    expect((await a.post(`/incidents/${incident.ref}/evidence?_csrf=${encodeURIComponent(token)}`).set('Sec-Fetch-Site', 'same-origin').field('note', 'no file')).status).to.equal(400);
    expect((await a.post(`/incidents/${incident.ref}/evidence?_csrf=${encodeURIComponent(token)}`).set('Sec-Fetch-Site', 'same-origin').set('Content-Type', 'multipart/form-data; boundary=xyz').send('--xyz\r\nbroken')).status).to.equal(400);
    expect((await upload(a, incident.ref, [{ name: 'big.txt', data: Buffer.alloc(2 * 1024 * 1024, 'a') }], { token })).status).to.equal(413);
    expect((await upload(a, incident.ref, [{ name: 'fine.json', data: mvtJson }], { token, site: 'cross-site' })).status).to.equal(403);
    expect((await upload(a, incident.ref, [{ name: 'fine.json', data: mvtJson }], { token: null })).status).to.equal(403);
    expect(await Evidence.countDocuments({})).to.equal(0);
  });

  it('when evidence:verify runs, then it passes, and fails loudly after one byte changes on disk [spawns a process]', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'draft' });
    const a = await reviewer(app);
    await upload(a, incident.ref, [{ name: 'mvt.json', data: mvtJson }]);
    const env = { ...process.env, MONGODB_URI: testState.uri!, DATA_DIR: testState.dataDir!, LOG_LEVEL: 'silent', IDENTITY_KEYS: TEST_IDENTITY_KEYS };
    const ok = await run('node', ['--import', 'tsx', 'src/cli.ts', 'evidence:verify'], { env });
    expect(ok.stdout).to.include('OK 1 files');
    const item = (await Evidence.findOne({}).lean())!;
    const file = path.join(evidenceDir(), `${item.original.file}.bin`);
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(file, bytes);
    try {
      await run('node', ['--import', 'tsx', 'src/cli.ts', 'evidence:verify'], { env });
      expect.fail('evidence:verify passed on an altered file');
    } catch (err) {
      const e = err as { code: number; stdout: string };
      expect(e.code).to.equal(1);
      expect(e.stdout).to.include(`MISMATCH ${String(item._id)} original`);
    }
  });

  it('when the app starts after an interrupted upload, then half-written and unreferenced files are swept and referenced ones kept (at once when it owns the engine, after 10 minutes on a shared database)', async () => {
    const { app } = makeApp();
    const incident = await createIncident({ status: 'draft' });
    await upload(await reviewer(app), incident.ref, [{ name: 'mvt.json', data: mvtJson }]);
    const store = new SealedFileStore(evidenceDir());
    writeFileSync(path.join(evidenceDir(), '.deadbeefdeadbeefdeadbeefdeadbeef.tmp'), 'partial');
    // Another app's upload being written right now (a shared database).
    writeFileSync(path.join(evidenceDir(), '.feedfacefeedfacefeedfacefeedface.tmp'), 'in flight');
    const orphan = store.write(Buffer.from('orphan'));
    const fresh = store.write(Buffer.from('fresh orphan'));
    const { utimesSync } = await import('node:fs');
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(evidenceDir(), `${orphan}.bin`), old, old);
    utimesSync(path.join(evidenceDir(), '.deadbeefdeadbeefdeadbeefdeadbeef.tmp'), old, old);
    // A record whose submission never completed (linked to nothing), written just now.
    const strandedFile = store.write(Buffer.from('stranded'));
    await Evidence.create({ name: 'file-stranded.txt', original: { file: strandedFile, sha256: 'x'.repeat(64), size: 8, mediaType: 'text/plain' }, receivedAt: new Date() });

    // Shared database: another app may be half-way through a submission; only old leftovers go.
    const shared = await sweepEvidence(store, false);
    expect(shared).to.include.members(['.deadbeefdeadbeefdeadbeefdeadbeef.tmp', `${orphan}.bin`]);
    expect(storedFiles()).to.include.members([`${fresh}.bin`, `${strandedFile}.bin`]);
    expect(readdirSync(evidenceDir())).to.include('.feedfacefeedfacefeedfacefeedface.tmp');
    expect(await Evidence.countDocuments({})).to.equal(2);

    // Owning the engine and the directory: nothing can be in flight, every leftover goes.
    const alone = await sweepEvidence(store, true);
    expect(alone).to.include.members([`${fresh}.bin`, '.feedfacefeedfacefeedfacefeedface.tmp']);
    expect(await Evidence.countDocuments({})).to.equal(1);
    const kept = (await Evidence.findOne({}).lean())!.original.file;
    expect(storedFiles()).to.deep.equal([`${kept}.bin`]);
  });
});
