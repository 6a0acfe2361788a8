import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { AuditEvent, recordAuditEvent, resetAuditHead, verifyAuditChain } from '../../src/audit/index.js';
import { hashEvent } from '../../src/audit/service.js';
import { testState } from '../helpers/engine.js';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { createUser, signIn } from '../helpers/factories.js';

const run = promisify(execFile);

async function cliAuditVerify(): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('node', ['--import', 'tsx', 'src/cli.ts', 'audit:verify'], {
      env: { ...process.env, MONGODB_URI: testState.uri!, DATA_DIR: testState.dataDir!, LOG_LEVEL: 'silent' },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

async function seedChain(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await recordAuditEvent({ actor: { type: 'system' }, action: 'test.event', details: { i } });
}

describe('audit chain', () => {
  afterEach(closeApps);

  it('when events are appended, then each links to the previous and the chain verifies', async () => {
    await seedChain(5);
    const events = await AuditEvent.find({}).sort({ _id: 1 }).lean();
    expect(events.map((e) => e._id)).to.deep.equal([1, 2, 3, 4, 5]);
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).to.equal(events[i - 1]!.hash);
    const result = await verifyAuditChain();
    expect(result).to.deep.include({ ok: true, count: 5, headHash: events[4]!.hash });
  });

  it('when 200 appends race, then the seq is contiguous and there is no fork', async () => {
    await Promise.all(Array.from({ length: 200 }, (_, i) => recordAuditEvent({ actor: { type: 'system' }, action: 'race', details: { i } })));
    const ids = (await AuditEvent.find({}, { _id: 1 }).sort({ _id: 1 }).lean()).map((e) => e._id);
    expect(ids).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((await verifyAuditChain()).ok).to.equal(true);
  });

  it('when another process appended meanwhile, then the next append moves past it without a fork', async () => {
    await seedChain(2);
    const last = await AuditEvent.findById(2).lean();
    // A second writer's event, appended behind this process's cached head:
    const at = new Date();
    const fields = { seq: 3, at, actor: { type: 'system' as const }, action: 'other.process', subject: undefined, details: {} };
    await AuditEvent.collection.insertOne({ _id: 3, at, actor: fields.actor, action: fields.action, details: {}, prevHash: last!.hash, hash: hashEvent(last!.hash, fields) } as never);
    await recordAuditEvent({ actor: { type: 'system' }, action: 'after' });
    expect((await AuditEvent.findById(4).lean())?.action).to.equal('after');
    expect((await verifyAuditChain()).ok).to.equal(true);
  });

  it('when a stored event is edited directly, then audit:verify names its seq and fails [spawns a process]', async () => {
    await seedChain(6);
    expect((await cliAuditVerify()).out).to.match(/^OK 6 events, head [0-9a-f]{64}/);
    await AuditEvent.collection.updateOne({ _id: 4 } as never, { $set: { 'details.i': 40 } });
    const result = await verifyAuditChain();
    expect(result).to.deep.include({ ok: false, brokenSeq: 4 });
    const cli = await cliAuditVerify();
    expect(cli.code).to.equal(1);
    expect(cli.out).to.include('BROKEN at seq 4');
  });

  it('when an event is deleted, then verification names the missing seq', async () => {
    await seedChain(5);
    await AuditEvent.collection.deleteOne({ _id: 3 } as never);
    expect(await verifyAuditChain()).to.deep.include({ ok: false, brokenSeq: 3 });
  });

  it('when an admin opens /admin/audit, then the events and the verification are shown', async () => {
    const { app } = makeApp();
    const admin = await createUser({ roles: ['admin'], totp: true });
    const a = agent(app);
    await signIn(a, admin);
    const ok = await a.get('/admin/audit');
    expect(ok.status).to.equal(200);
    expect(ok.text).to.include('The chain verifies');
    expect(ok.text).to.include('auth.login');
    await AuditEvent.collection.updateOne({ _id: 1 } as never, { $set: { action: 'tampered' } });
    resetAuditHead();
    const broken = await a.get('/admin/audit');
    expect(broken.text).to.include('The chain is broken at event 1');
  });
});
