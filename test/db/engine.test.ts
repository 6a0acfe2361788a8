import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { isAlive, startServerProcess, useTempDataDir, waitFor } from '../helpers/server-process.js';

const run = promisify(execFile);

async function cli(dataDir: string, args: string[], password?: string): Promise<string> {
  const { stdout } = await run('node', ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, MONGODB_URI: '', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(password ? { CLI_PASSWORD: password } : {}) },
  });
  return stdout;
}

async function health(port: number): Promise<number> {
  try {
    // Bounded: a probe that hangs (a loaded machine) counts as no answer, and the next one is sent.
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return 0;
  }
}

describe('embedded engine lifecycle (npm start)', function () {
  this.timeout(180_000);
  const data = useTempDataDir('tracker-life-');


  it('when the app gets SIGTERM, then it exits 0 and leaves no engine process; data survives a restart', async () => {
    const dataDir = data.get();
    const server = await startServerProcess(dataDir);
    expect(server.output()).to.match(/"engine":"ferretdb"/);
    expect(isAlive(server.enginePid)).to.equal(true);
    expect(existsSync(path.join(dataDir, 'engine.json'))).to.equal(true);
    const added = JSON.parse(await cli(dataDir, ['user:add', '--email', 'ops@example.org', '--name', 'Ops', '--role', 'admin'], 'an operator passphrase'));
    expect(added.totpSecret).to.match(/^[A-Z2-7]{16,}$/);

    server.child.kill('SIGTERM');
    expect(await server.exited).to.equal(0);
    expect(await waitFor(() => !isAlive(server.enginePid), 5_000)).to.equal(true);
    expect(existsSync(path.join(dataDir, 'engine.json'))).to.equal(false);

    const again = await startServerProcess(dataDir);
    const listed = await cli(dataDir, ['user:list']);
    expect(listed).to.include('ops@example.org');
    again.child.kill('SIGINT');
    expect(await again.exited).to.equal(0);
    expect(await waitFor(() => !isAlive(again.enginePid), 5_000)).to.equal(true);
  });

  it('when the app is killed outright, then the engine follows it', async () => {
    const dataDir = data.get();
    const server = await startServerProcess(dataDir);
    server.child.kill('SIGKILL');
    await server.exited;
    expect(await waitFor(() => !isAlive(server.enginePid), 10_000)).to.equal(true);
  });

  it('when a second app starts on the same DATA_DIR, then it refuses instead of opening the files twice', async () => {
    const dataDir = data.get();
    const server = await startServerProcess(dataDir);
    try {
      await startServerProcess(dataDir);
      expect.fail('the second instance started');
    } catch (err) {
      expect((err as Error).message).to.include('another instance');
    }
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('when the engine dies while the app runs, then /healthz reports it and the app restarts it with the data', async () => {
    const dataDir = data.get();
    const server = await startServerProcess(dataDir);
    await cli(dataDir, ['user:add', '--email', 'kept@example.org', '--name', 'Kept', '--role', 'researcher'], 'a researcher passphrase');
    expect(await health(server.port)).to.equal(200);
    process.kill(server.enginePid, 'SIGKILL');
    expect(await waitFor(async () => (await health(server.port)) === 503, 10_000)).to.equal(true);
    expect(await waitFor(async () => (await health(server.port)) === 200, 30_000)).to.equal(true);
    expect(server.output()).to.include('embedded FerretDB restarted');
    expect(await cli(dataDir, ['user:list'])).to.include('kept@example.org');
    server.child.kill('SIGTERM');
    expect(await server.exited).to.equal(0);
  });
});
