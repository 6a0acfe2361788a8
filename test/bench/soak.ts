/**
 * Soak: signed-in users of every role read their own pages against a real `npm start` process while
 * the expired-session sweep runs every minute and abandoned sessions keep expiring. Counts responses
 * that carry another user's data, 5xx answers, and samples the server's RSS.
 *
 *   npm run soak -- --minutes 60
 *
 * Loopback only; bounded by --minutes (default 5); stops its server and engine by itself.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/db/ferretdb.js';
import { LiveClient, addLiveUser, signInLive, type LiveUser } from '../helpers/live-client.js';

const args = process.argv.slice(2);
const minutes = Number(args[args.indexOf('--minutes') + 1] ?? 5) || 5;
if (minutes > 180) throw new Error('--minutes is bounded to 180');
const PASSWORD = 'soak password that is long enough 2026';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracker-soak-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, MONGODB_URI: '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', SESSION_SWEEP_SECONDS: '60', SESSION_IDLE_MINUTES: '2', NODE_ENV: 'production' };
const server = spawn('node', ['--import', 'tsx', 'src/server.ts'], { env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stdout.on('data', (d: Buffer) => (serverLog += d.toString()));
server.stderr.on('data', (d: Buffer) => (serverLog += d.toString()));
const stop = () => {
  if (server.exitCode === null) server.kill('SIGTERM');
};
process.on('exit', stop);
process.on('SIGINT', () => process.exit(130));

const started = Date.now();
while (!serverLog.includes('listening on')) {
  if (server.exitCode !== null || Date.now() - started > 120_000) throw new Error(`server did not start:\n${serverLog}`);
  await new Promise((r) => setTimeout(r, 100));
}
console.log(`server up in ${Date.now() - started} ms (pid ${server.pid}); soaking for ${minutes} min`);

interface User extends LiveUser {
  marker: string;
  pages: { url: string; own: 'email' | 'marker' | 'none' }[];
}

function addUser(role: string, i: number): User {
  const user = addLiveUser(env, () => base, role, `soak-${role}-${i}@example.org`, PASSWORD);
  return { ...user, marker: `SOAK${role.toUpperCase()}${i}Z`, pages: [] };
}

const users: User[] = [];
for (const role of ['researcher', 'reviewer', 'policymaker', 'admin']) for (const i of [1, 2]) users.push(addUser(role, i));
for (const u of users) {
  await signInLive(u);
  u.pages.push({ url: '/account', own: 'email' });
  if (u.role === 'researcher') {
    const token = await u.client.csrf('/reports/new');
    const form = { _csrf: token, title: `Report ${u.marker}`, narrative: 'Soak test report.', 'dates[from]': '2021-07', country: 'MA', 'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'Journalist A', vectorKind: 'unknown' };
    const res = await u.client.request('POST', '/reports', form);
    if (res.status !== 303) throw new Error(`report for ${u.email}: ${res.status}`);
    u.pages.push({ url: '/reports', own: 'marker' }, { url: res.location!, own: 'marker' });
  }
  if (u.role === 'policymaker') {
    const res = await u.client.request('POST', '/account/tokens', { _csrf: await u.client.csrf('/account/tokens'), name: `token ${u.marker}` });
    if (res.status !== 200) throw new Error(`token for ${u.email}: ${res.status}`);
    u.pages.push({ url: '/account/tokens', own: 'marker' });
  }
  if (u.role === 'reviewer') u.pages.push({ url: '/review', own: 'none' });
  if (u.role === 'admin') u.pages.push({ url: '/admin/users', own: 'none' });
}
console.log(`${users.length} users signed in: ${users.map((u) => u.role).join(', ')}`);

// ---- the soak ----------------------------------------------------------------------------------
const until = Date.now() + minutes * 60_000;
const counts = { responses: 0, foreign: 0, missingOwn: 0, serverErrors: 0, otherStatus: 0, abandonedSessions: 0 };
const problems: string[] = [];
const rss: number[] = [];
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const note = (p: string) => {
  if (problems.length < 50) problems.push(`${new Date().toISOString()} ${p}`);
};

const readers = users.map(async (u) => {
  let n = 0;
  while (Date.now() < until) {
    const page = u.pages[n++ % u.pages.length]!;
    const res = await u.client.request('GET', page.url).catch((err: unknown) => ({ status: 0, text: String(err), location: null }));
    counts.responses += 1;
    if (res.status >= 500 || res.status === 0) {
      counts.serverErrors += 1;
      note(`${page.url} for ${u.email}: ${res.status}`);
      continue;
    }
    if (res.status !== 200) {
      counts.otherStatus += 1;
      note(`${page.url} for ${u.email}: ${res.status} → ${res.location ?? ''}`);
      continue;
    }
    if (page.own !== 'none' && !res.text.includes(page.own === 'email' ? u.email : u.marker)) {
      counts.missingOwn += 1;
      note(`${page.url} for ${u.email}: own data missing`);
    }
    // Staff list pages legitimately name other users; every other page must name only its reader.
    if (page.own !== 'none') {
      for (const other of users) {
        if (other !== u && (res.text.includes(other.email) || res.text.includes(other.marker))) {
          counts.foreign += 1;
          note(`${page.url} for ${u.email}: shows ${other.email}'s data`);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
});
// Visitors who open a form and leave: their sessions expire after 2 minutes and the sweep removes them.
const churn = (async () => {
  while (Date.now() < until) {
    await new LiveClient(() => base).csrf('/reports/new').then(() => (counts.abandonedSessions += 1), () => undefined);
    await new Promise((r) => setTimeout(r, 500));
  }
})();
const sampler = setInterval(() => rss.push(rssOf(server.pid!)), 10_000);
const progress = setInterval(() => {
  console.log(`${Math.round((until - Date.now()) / 60_000)} min left: ${counts.responses} responses, ${counts.foreign} foreign, ${counts.serverErrors} 5xx, RSS ${rss.at(-1)?.toFixed(0) ?? '?'} MB`);
}, 5 * 60_000);
await Promise.all([...readers, churn]);
clearInterval(sampler);
clearInterval(progress);

const sweeps = (serverLog.match(/expired-session sweep failed/g) ?? []).length;
const swept = [...serverLog.matchAll(/"deleted":(\d+)[^\n]*expired sessions removed/g)].map((m) => Number(m[1]));
console.log('\n| figure | value |\n| --- | ---: |');
console.log(`| duration | ${minutes} min |`);
console.log(`| signed-in users (roles) | ${users.length} (${[...new Set(users.map((u) => u.role))].join(', ')}) |`);
console.log(`| responses read | ${counts.responses} |`);
console.log(`| responses carrying another user's data | ${counts.foreign} |`);
console.log(`| responses missing the reader's own data | ${counts.missingOwn} |`);
console.log(`| 5xx (or connection errors) | ${counts.serverErrors} |`);
console.log(`| other non-200 | ${counts.otherStatus} |`);
console.log(`| abandoned sessions created | ${counts.abandonedSessions} |`);
console.log(`| sweeps that removed sessions / sessions removed | ${swept.length} / ${swept.reduce((a, b) => a + b, 0)} |`);
console.log(`| failed sweeps logged | ${sweeps} |`);
console.log(`| server RSS min / median / max / last (MB) | ${Math.min(...rss).toFixed(0)} / ${[...rss].sort((a, b) => a - b)[Math.floor(rss.length / 2)]?.toFixed(0)} / ${Math.max(...rss).toFixed(0)} / ${rss.at(-1)?.toFixed(0)} |`);
if (problems.length) console.log(`\nfirst problems:\n${problems.join('\n')}`);
const exitCode = counts.foreign + counts.serverErrors + counts.missingOwn > 0 ? 1 : 0;
stop();
await new Promise((r) => server.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });
process.exit(exitCode);
