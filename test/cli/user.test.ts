import { spawn } from 'node:child_process';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { AuditEvent } from '../../src/audit/index.js';
import { User } from '../../src/auth/model.js';
import { verifyPassword } from '../../src/auth/password.js';
import { testState } from '../helpers/engine.js';

function cli(args: string[], stdin?: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, MONGODB_URI: testState.uri!, DATA_DIR: testState.dataDir!, LOG_LEVEL: 'silent', CLI_PASSWORD: '', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin ?? '');
  });
}

describe('npm run cli -- user:*', () => {
  it('when a reviewer is added with the password on stdin, then one JSON line with a TOTP secret is printed', async () => {
    const res = await cli(['user:add', '--email', 'Rev@Example.org', '--name', 'Rev', '--role', 'reviewer', '--org', 'Lab'], 'a reviewer passphrase\n');
    expect(res.code, res.err).to.equal(0);
    const line = JSON.parse(res.out.trim());
    expect(line).to.have.keys(['id', 'email', 'roles', 'totpSecret']);
    expect(line.email).to.equal('rev@example.org');
    expect(line.totpSecret).to.match(/^[A-Z2-7]+$/);
    const user = await User.findById(line.id);
    expect(user!.status).to.equal('active');
    expect(await verifyPassword('a reviewer passphrase', user!.passwordHash)).to.equal(true);
    expect(await AuditEvent.countDocuments({ action: 'user.created', 'actor.type': 'cli' })).to.equal(1);
    // The TOTP secret is sealed at rest: a raw read of the users collection does not contain it.
    const raw = JSON.stringify(await mongoose.connection.db!.collection('users').find({}).toArray());
    expect(raw).not.to.include(line.totpSecret);
    expect(raw).to.match(/"secret":\{"kid":"k1","iv":/);
  });

  it('when a researcher is added from CLI_PASSWORD, then totpSecret is null', async () => {
    const res = await cli(['user:add', '--email', 'r@example.org', '--name', 'R', '--role', 'researcher'], undefined, { CLI_PASSWORD: 'a researcher passphrase' });
    expect(JSON.parse(res.out.trim()).totpSecret).to.equal(null);
  });

  it('when the password is common or a role unknown, then it exits non-zero and creates nothing', async () => {
    expect((await cli(['user:add', '--email', 'a@example.org', '--name', 'A', '--role', 'admin'], 'password1234')).code).to.not.equal(0);
    const bad = await cli(['user:add', '--email', 'a@example.org', '--name', 'A', '--role', 'root'], 'a perfectly fine passphrase');
    expect(bad.code).to.not.equal(0);
    expect(await User.countDocuments({})).to.equal(0);
  });

  it('when roles are replaced and the user disabled, then both are stored', async () => {
    await cli(['user:add', '--email', 'p@example.org', '--name', 'P', '--role', 'researcher'], 'a researcher passphrase');
    expect((await cli(['user:roles', '--email', 'p@example.org', '--role', 'policymaker'])).code).to.equal(0);
    expect((await cli(['user:disable', '--email', 'p@example.org'])).code).to.equal(0);
    const user = await User.findOne({ email: 'p@example.org' });
    expect(user!.roles).to.deep.equal(['policymaker']);
    expect(user!.status).to.equal('disabled');
    const list = await cli(['user:list', '--status', 'disabled']);
    expect(list.out).to.include('p@example.org');
  });
});
