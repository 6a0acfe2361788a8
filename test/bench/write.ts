/**
 * `npm run bench:write`: how long the write paths take on a large database, through a real
 * `npm start` process (production settings) on the embedded engine, as users send them: a report
 * submission, a one-row CSV import, its submission for review, the two approvals that publish it and
 * the time until it is listed on /incidents, and an entity edit. Prints figures; asserts nothing.
 *
 *   BENCH_DATA_DIR=/tmp/bench100k BENCH_INCIDENTS=100000 npm run bench:write
 *
 * The seeded data directory is copied first (the benchmark writes to its copy), so runs compare.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LiveClient, addLiveUser, signInLive } from '../helpers/live-client.js';
import { startServerProcess, stopAllServers } from '../helpers/server-process.js';

const source = process.env.BENCH_DATA_DIR ?? '/tmp/tracker-bench';
const count = Number(process.env.BENCH_INCIDENTS ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const PASSWORD = 'write bench password long enough 2026';
const CHECKLIST = { sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' };

if (!existsSync(`${source}/ferretdb`)) {
  console.log(`seeding ${count} synthetic incidents into ${source} …`);
  const seeded = spawnSync('npx', ['tsx', 'src/seed/index.ts', '--synthetic', String(count)], { env: { ...process.env, DATA_DIR: source, NODE_ENV: 'production' }, stdio: 'inherit' });
  if (seeded.status !== 0) process.exit(1);
}
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracker-write-bench-'));
cpSync(source, dataDir, { recursive: true });
const env = { ...process.env, MONGODB_URI: '', DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'production' };

const startedAt = Date.now();
const server = await startServerProcess(dataDir, { NODE_ENV: 'production' }, 600_000);
const base = `http://127.0.0.1:${server.port}`;
const startup = Date.now() - startedAt;
const at = () => base;
const user = (role: string, name: string) => addLiveUser(env, at, role, `write-${name}@example.org`, PASSWORD);
const researcher = user('researcher', 'researcher');
const editor = user('reviewer', 'editor');
const approvers = [user('reviewer', 'first'), user('reviewer', 'second')];
const admin = user('admin', 'admin');
for (const u of [researcher, editor, ...approvers, admin]) await signInLive(u);

const figures = new Map<string, number[]>();
async function timed<T>(label: string, act: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await act();
  if (!figures.has(label)) figures.set(label, []);
  figures.get(label)!.push(performance.now() - started);
  return result;
}
function expectStatus(res: { status: number; text: string }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${(res.text.match(/field-error[\s\S]{0,400}/g) ?? []).join(' | ') || res.text.slice(0, 300)}`);
}

const anonymous = new LiveClient(at);
for (let run = 0; run < runs; run++) {
  await timed('report submission (form page + POST)', async () => {
    const token = await researcher.client.csrf('/reports/new');
    const res = await researcher.client.request('POST', '/reports', { _csrf: token, title: `Write bench report ${run}`, narrative: 'Sent by the write benchmark.', 'dates[from]': '2022-03', country: 'MA', 'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'Journalist A', vectorKind: 'unknown' });
    expectStatus(res, 303, 'report');
  });
  const ref = await timed('CSV import of one row (page + POST)', async () => {
    const csv = `title,summary,date_from,countries,target_categories,source_title,source_url,visibility\nWrite bench ${run} ${Date.now()},A journalist was targeted.,2022-03,MA,journalist,A forensic report,https://example.org/w${run},public\n`;
    const res = await editor.client.upload('/review/import', await editor.client.csrf('/review/import'), {}, [{ name: 'incidents.csv', data: Buffer.from(csv) }]);
    expectStatus(res, 303, 'import');
    return /I-\d{4}-\d{5}/.exec((await editor.client.request('GET', res.location!)).text)![0];
  });
  await timed('submit for review (incident page + POST)', async () => {
    const res = await editor.client.request('POST', `/incidents/${ref}/submit`, { _csrf: await editor.client.csrf(`/incidents/${ref}`) });
    expectStatus(res, 302, 'submit');
  });
  await timed('first approval (incident page + POST)', async () => {
    const res = await approvers[0]!.client.request('POST', `/incidents/${ref}/reviews`, { _csrf: await approvers[0]!.client.csrf(`/incidents/${ref}`), decision: 'approve', ...CHECKLIST });
    expectStatus(res, 302, 'first approval');
  });
  const published = performance.now();
  await timed('second approval = publication (page + POST)', async () => {
    const res = await approvers[1]!.client.request('POST', `/incidents/${ref}/reviews`, { _csrf: await approvers[1]!.client.csrf(`/incidents/${ref}`), decision: 'approve', ...CHECKLIST });
    expectStatus(res, 302, 'second approval');
  });
  await timed('publication until listed on /incidents?q=<ref>', async () => {
    for (;;) {
      const page = await anonymous.request('GET', `/incidents?q=${encodeURIComponent(`Write bench ${run}`)}`);
      if (page.text.includes(ref)) break;
      if (performance.now() - published > 600_000) throw new Error(`${ref} not listed after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  figures.get('publication until listed on /incidents?q=<ref>')!.push(figures.get('publication until listed on /incidents?q=<ref>')!.pop()! + (figures.get('second approval = publication (page + POST)')!.at(-1) ?? 0));
  await timed('entity edit (form page + POST)', async () => {
    const token = await admin.client.csrf('/admin/vendors/synthetic-vendor-1/edit');
    const form = { _csrf: token, name: 'Synthetic vendor 1 (fake)', nameAr: '', aliases: '', slug: 'synthetic-vendor-1', hqCountry: '', parent: '', successor: '', website: '', summary: `Generated for scale tests (edit ${run}).` };
    const res = await admin.client.request('POST', '/admin/vendors/synthetic-vendor-1', form);
    expectStatus(res, 302, 'vendor edit');
  });
}

const rss = Number(spawnSync('ps', ['-o', 'rss=', '-p', String(server.child.pid)], { encoding: 'utf8' }).stdout.trim()) / 1024;
console.log(`\n${count.toLocaleString('en')} synthetic incidents, one npm start process (production), embedded engine; ${runs} runs`);
console.log(`start-up until listening: ${(startup / 1000).toFixed(1)} s; app RSS after the runs: ${rss.toFixed(0)} MB`);
console.log('write'.padEnd(50), 'best s'.padStart(8), 'median s'.padStart(9), 'worst s'.padStart(8));
for (const [label, times] of figures) {
  times.sort((a, b) => a - b);
  console.log(label.padEnd(50), (times[0]! / 1000).toFixed(2).padStart(8), (times[Math.floor(times.length / 2)]! / 1000).toFixed(2).padStart(9), (times.at(-1)! / 1000).toFixed(2).padStart(8));
}
await stopAllServers();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
