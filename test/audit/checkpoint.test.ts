import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { AuditEvent, recordAuditEvent, resetAuditHead, verifyAuditChain } from '../../src/audit/index.js';
import { createCheckpoint, verifyAgainstCheckpoint, type Checkpoint } from '../../src/audit/checkpoint.js';
import { GENESIS_HASH, hashEvent } from '../../src/audit/service.js';
import { siteSigner } from '../../src/signing/index.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { testConfig, testState } from '../helpers/engine.js';
import { createUser, signIn } from '../helpers/factories.js';

const run = promisify(execFile);
const signer = () => siteSigner(testConfig());

async function chainOf(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await recordAuditEvent({ actor: { type: 'system' }, action: 'test.event', details: { i } });
}

/** Rebuilds stored events from a seq on, with valid hashes: what a forger with database access can do. */
async function rewriteFrom(seq: number, edit: (details: Record<string, unknown>, id: number) => Record<string, unknown>): Promise<void> {
  const events = await AuditEvent.collection.find({ _id: { $gte: seq } } as never).sort({ _id: 1 }).toArray() as unknown as Awaited<ReturnType<typeof AuditEvent.findById>>[] & { _id: number; at: Date; actor: unknown; action: string; details: unknown; hash: string }[];
  let prev = seq === 1 ? GENESIS_HASH : (await AuditEvent.findById(seq - 1).lean())!.hash;
  for (const e of events) {
    const details = edit((e.details ?? {}) as Record<string, unknown>, e._id);
    const hash = hashEvent(prev, { seq: e._id, at: e.at, actor: e.actor as never, action: e.action, subject: undefined, details });
    await AuditEvent.collection.replaceOne({ _id: e._id } as never, { ...e, details, prevHash: prev, hash });
    prev = hash;
  }
  resetAuditHead();
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('node', ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, MONGODB_URI: testState.uri!, DATA_DIR: testState.dataDir!, LOG_LEVEL: 'silent' } });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe('audit chain tampering and signed checkpoints', () => {
  afterEach(closeApps);

  it('when two events are swapped, then verification names the first of them', async () => {
    await chainOf(6);
    const [three, four] = await Promise.all([AuditEvent.findById(3).lean(), AuditEvent.findById(4).lean()]);
    await AuditEvent.collection.replaceOne({ _id: 3 } as never, { ...four, _id: 3 });
    await AuditEvent.collection.replaceOne({ _id: 4 } as never, { ...three, _id: 4 });
    expect(await verifyAuditChain()).to.deep.include({ ok: false, brokenSeq: 3 });
  });

  it('when a forged event is inserted in the middle (the rest renumbered), then verification names the seq after it', async () => {
    await chainOf(6);
    const rest = await AuditEvent.collection.find({ _id: { $gte: 3 } } as never).sort({ _id: 1 }).toArray() as unknown as { _id: number }[];
    await AuditEvent.collection.deleteMany({ _id: { $gte: 3 } } as never);
    const prev = (await AuditEvent.findById(2).lean())!.hash;
    const at = new Date();
    const forged = { seq: 3, at, actor: { type: 'system' as const }, action: 'forged', subject: undefined, details: {} };
    await AuditEvent.collection.insertOne({ _id: 3, at, actor: forged.actor, action: 'forged', details: {}, prevHash: prev, hash: hashEvent(prev, forged) } as never);
    for (const e of rest) await AuditEvent.collection.insertOne({ ...e, _id: e._id + 1 } as never);
    expect(await verifyAuditChain()).to.deep.include({ ok: false, brokenSeq: 4 });
  });

  it('when the tail is truncated, then the chain alone still links up, but the checkpoint exposes it', async () => {
    await chainOf(10);
    const checkpoint = await createCheckpoint(signer());
    await AuditEvent.collection.deleteMany({ _id: { $gt: 8 } } as never);
    resetAuditHead();
    expect((await verifyAuditChain()).ok).to.equal(true);
    const result = await verifyAgainstCheckpoint(checkpoint, signer().publicKeyPem);
    expect(result).to.deep.include({ ok: false, brokenSeq: 9, checkpoint: 'truncated' });
  });

  it('when the whole chain is rewritten with recomputed hashes, then only the checkpoint exposes it', async () => {
    await chainOf(10);
    const checkpoint = await createCheckpoint(signer());
    await rewriteFrom(1, (details, id) => (id === 4 ? { ...details, i: 400 } : details));
    expect((await verifyAuditChain()).ok).to.equal(true);
    const result = await verifyAgainstCheckpoint(checkpoint, signer().publicKeyPem);
    expect(result).to.deep.include({ ok: false, brokenSeq: 10, checkpoint: 'rewritten' });
  });

  it('when a checkpoint is edited or checked with another key, then its signature fails', async () => {
    await chainOf(3);
    const checkpoint = await createCheckpoint(signer());
    expect((await verifyAgainstCheckpoint(checkpoint, signer().publicKeyPem)).ok).to.equal(true);
    const edited: Checkpoint = { ...checkpoint, count: 2 };
    expect(await verifyAgainstCheckpoint(edited, signer().publicKeyPem)).to.deep.include({ ok: false, checkpoint: 'bad signature' });
    const other = siteSigner({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'other-key-')), SIGNING_KEY_FILE: undefined });
    expect(await verifyAgainstCheckpoint(checkpoint, other.publicKeyPem)).to.deep.include({ ok: false, checkpoint: 'bad signature' });
  });

  it('when the CLI writes a checkpoint and verifies with only the public key, then it passes, and fails after a byte changes in the database [spawns a process]', async () => {
    await chainOf(5);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'checkpoint-'));
    const file = path.join(dir, 'checkpoint.json');
    const keyFile = path.join(dir, 'key.pem');
    expect((await cli(['audit:checkpoint', '--out', file])).code).to.equal(0);
    writeFileSync(keyFile, signer().publicKeyPem);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    expect(saved).to.include({ version: 1, count: 5, headSeq: 5 });
    const ok = await cli(['audit:verify', '--checkpoint', file, '--public-key', keyFile]);
    expect(ok.code).to.equal(0);
    expect(ok.out).to.include('checkpoint OK');
    await AuditEvent.collection.updateOne({ _id: 2 } as never, { $set: { action: 'test.evenT' } });
    const bad = await cli(['audit:verify', '--checkpoint', file, '--public-key', keyFile]);
    expect(bad.code).to.equal(1);
    expect(bad.out).to.include('BROKEN at seq 2');
  });

  it('when an admin creates and downloads a checkpoint, then it is signed with the published key', async () => {
    const { app } = makeApp();
    const admin = await createUser({ roles: ['admin'], totp: true });
    const a = agent(app);
    await signIn(a, admin);
    const token = await csrfFrom(a, '/admin/audit');
    expect((await a.post('/admin/audit/checkpoints').type('form').send({ _csrf: token })).status).to.equal(302);
    const download = await a.get('/admin/audit/checkpoint.json');
    expect(download.headers['content-disposition']).to.match(/attachment; filename="audit-checkpoint-\d+\.json"/);
    const checkpoint = JSON.parse(download.text) as Checkpoint;
    const publicKey = (await agent(app).get('/.well-known/tracker-signing-key.pem')).text;
    expect(publicKey).to.include('BEGIN PUBLIC KEY');
    expect((await verifyAgainstCheckpoint(checkpoint, publicKey)).ok).to.equal(true);
    const researcher = agent(app);
    await signIn(researcher, await createUser());
    expect((await researcher.get('/admin/audit/checkpoint.json')).status).to.equal(403);
  });
});
