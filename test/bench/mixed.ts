/**
 * Mixed load: readers (autocannon, public pages and the API) and writers (report submissions with a
 * file, anonymous reports, triage, CSV imports submitted for review, two-person approvals, dossiers)
 * at once against a real `npm start` process (production settings) on the demonstration data.
 * Prints one table; exits 1 on any 5xx or connection error.
 *
 *   npm run bench:mixed -- --minutes 10
 *
 * Loopback only; bounded by --minutes (default 10, at most 60); stops its server and engine by itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { LiveClient, addLiveUser, signInLive } from '../helpers/live-client.js';
import { startServerProcess, stopAllServers } from '../helpers/server-process.js';

const args = process.argv.slice(2);
const minutes = Number(args[args.indexOf('--minutes') + 1] ?? 10) || 10;
if (minutes > 60) throw new Error('--minutes is bounded to 60');
const PASSWORD = 'mixed load password long enough 2026';
const CHECKLIST = { sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' };

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracker-mixed-'));
const env = { ...process.env, MONGODB_URI: '', DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'production' };
const seeded = spawnSync('node', ['--import', 'tsx', 'src/seed/index.ts'], { env, encoding: 'utf8' });
if (seeded.status !== 0) throw new Error(`seed failed: ${seeded.stderr}`);
const server = await startServerProcess(dataDir, { NODE_ENV: 'production' });
const base = `http://127.0.0.1:${server.port}`;
const at = () => base;
process.on('SIGINT', () => void stopAllServers().then(() => process.exit(130)));

const user = (role: string, name: string) => addLiveUser(env, at, role, `mixed-${name}@example.org`, PASSWORD);
const researcher = user('researcher', 'researcher');
const editor = user('reviewer', 'editor');
const approvers = [user('reviewer', 'first'), user('reviewer', 'second')];
const policymaker = user('policymaker', 'policymaker');
for (const u of [researcher, editor, ...approvers, policymaker]) await signInLive(u);
// The API as a client uses it: with a token (600 requests a minute; anonymous callers get 120).
const tokenMade = await policymaker.client.request('POST', '/account/tokens', { _csrf: await policymaker.client.csrf('/account/tokens'), name: 'mixed load' });
const tokenPage = await policymaker.client.request('GET', tokenMade.location ?? '/account/tokens');
const apiToken = /(sit_[A-Za-z0-9_-]{43})/.exec(tokenPage.text)?.[1];
if (!apiToken) throw new Error(`no API token: ${tokenPage.status}`);
console.log(`server up (pid ${server.child.pid}), demo data loaded, 5 accounts signed in; ${minutes} min of mixed load`);

const until = Date.now() + minutes * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WriterFigures {
  attempts: number;
  acknowledged: number;
  refused: number;
  serverErrors: number;
  ms: number[];
}
const writers = new Map<string, WriterFigures>();
const problems: string[] = [];

/** Runs `act` in a loop until the end; `act` answers the status it got, or undefined when it had nothing to do. */
async function writer(name: string, pauseMs: number, act: () => Promise<{ status: number; ok: boolean } | undefined>): Promise<void> {
  const f: WriterFigures = { attempts: 0, acknowledged: 0, refused: 0, serverErrors: 0, ms: [] };
  writers.set(name, f);
  while (Date.now() < until) {
    const started = Date.now();
    const outcome = await act().catch((err: unknown) => {
      problems.push(`${name}: ${String(err)}`);
      return { status: 0, ok: false };
    });
    if (!outcome) {
      await sleep(pauseMs);
      continue;
    }
    const { status, ok } = outcome;
    f.attempts += 1;
    f.ms.push(Date.now() - started);
    if (ok) f.acknowledged += 1;
    else if (status >= 500 || status === 0) {
      f.serverErrors += 1;
      if (problems.length < 40) problems.push(`${name}: ${status}`);
    } else f.refused += 1;
    await sleep(pauseMs);
  }
}

const inReview: string[] = [];
const submittedReports: string[] = [];
let n = 0;

const writes = [
  writer('report with a file (researcher)', 500, async () => {
    const token = await researcher.client.csrf('/reports/new');
    const form = { title: `Mixed load report ${n++}`, narrative: 'Sent during the mixed load.', 'dates[from]': '2022-03', country: 'MA', 'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'Journalist A', vectorKind: 'unknown' };
    const res = await researcher.client.upload('/reports', token, form, [{ name: 'trace.json', data: Buffer.from(JSON.stringify({ n, at: Date.now() })) }]);
    if (res.status === 303 && res.location?.startsWith('/reports/R-')) submittedReports.push(res.location.split('/').pop()!);
    return { status: res.status, ok: res.status === 303 };
  }),
  writer('anonymous report (30 an hour per address)', 2_000, async () => {
    const visitor = new LiveClient(at);
    const token = await visitor.csrf('/reports/new');
    const res = await visitor.request('POST', '/reports', { _csrf: token, title: 'Anonymous mixed load report', narrative: 'Sent without an account.', 'dates[from]': '2022-03', country: 'MA', 'targets[0][category]': 'activist', 'targets[0][pseudonym]': 'Activist B', vectorKind: 'unknown' });
    return { status: res.status, ok: res.status === 303 };
  }),
  writer('triage (reviewer)', 1_000, async () => {
    const ref = submittedReports.shift();
    if (!ref) return undefined;
    const res = await editor.client.request('POST', `/reports/${ref}/triage`, { _csrf: await editor.client.csrf(`/reports/${ref}`) });
    return { status: res.status, ok: res.status === 302 };
  }),
  writer('CSV import of 2 + submit for review', 10_000, async () => {
    const csv = `title,summary,date_from,countries,target_categories,source_title,source_url\nMixed ${n} a,A journalist was targeted.,2022-03,MA,journalist,A forensic report,https://example.org/m${n}a\nMixed ${n} b,An activist was targeted.,2022-04,EG,activist,A forensic report,https://example.org/m${n}b\n`;
    const res = await editor.client.upload('/review/import', await editor.client.csrf('/review/import'), {}, [{ name: 'incidents.csv', data: Buffer.from(csv) }]);
    if (res.status !== 303) return { status: res.status, ok: false };
    const refs = [...new Set((await editor.client.request('GET', res.location!)).text.match(/I-\d{4}-\d{5}/g))];
    for (const ref of refs) {
      const submitted = await editor.client.request('POST', `/incidents/${ref}/submit`, { _csrf: await editor.client.csrf(`/incidents/${ref}`) });
      if (submitted.status !== 302) return { status: submitted.status, ok: false };
      inReview.push(ref);
    }
    return { status: 303, ok: true };
  }),
  ...approvers.map((reviewer, i) => {
    let next = 0;
    return writer(`approval (reviewer ${i + 1})`, 1_000, async () => {
      const ref = inReview[next];
      if (!ref) return undefined;
      next += 1;
      const res = await reviewer.client.request('POST', `/incidents/${ref}/reviews`, { _csrf: await reviewer.client.csrf(`/incidents/${ref}`), decision: 'approve', ...CHECKLIST });
      return { status: res.status, ok: res.status === 302 };
    });
  }),
  writer('dossier (policymaker)', 30_000, async () => {
    const res = await policymaker.client.request('POST', '/dossiers', { _csrf: await policymaker.client.csrf('/dossiers'), subject: 'vendor', vendor: 'nso-group', audience: 'public', framing: 'us-entity-list', language: 'en' });
    return { status: res.status, ok: res.status === 303 };
  }),
];

const readTargets: [string, string, Partial<autocannon.Options>?][] = [
  ['/', '/'],
  ['/incidents', '/incidents'],
  ['/incidents?q=pegasus', '/incidents?q=pegasus'],
  ['/vendors/nso-group', '/vendors/nso-group'],
  ['/governments/morocco', '/governments/morocco'],
  ['/incidents.csv', '/incidents.csv'],
  // Within the token's budget of 600 a minute (the API answers 429 beyond it).
  ['/api/v1/incidents (token, 9/s)', '/api/v1/incidents', { headers: { 'accept-language': 'en', authorization: `Bearer ${apiToken}` }, overallRate: 9 }],
];
const reads = readTargets.map(([label, url, options]) =>
  autocannon({ url: base + url, connections: 2, duration: minutes * 60, headers: { 'accept-language': 'en' }, ...options }).then((r) => ({ label, r })),
);

const results = await Promise.all(reads);
await Promise.all(writes);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;
console.log(`\n${minutes} min, one app process with its embedded engine, 2-core machine; readers 2 connections per page (14 in all)\n`);
console.log('| reader | requests | req/s | p50 ms | p99 ms | non-2xx | 5xx | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
let serverErrors = 0;
for (const { label, r } of results) {
  serverErrors += r['5xx'] + r.errors;
  console.log(`| ${label} | ${r.requests.total} | ${r.requests.average.toFixed(1)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx} | ${r['5xx']} | ${r.errors} |`);
}
console.log('\n| writer | attempts | acknowledged | refused (4xx) | 5xx or no answer | median ms | p99 ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [name, f] of writers) {
  serverErrors += f.serverErrors;
  console.log(`| ${name} | ${f.attempts} | ${f.acknowledged} | ${f.refused} | ${f.serverErrors} | ${median(f.ms)} | ${p99(f.ms)} |`);
}
console.log(`\n5xx and connection errors in all: ${serverErrors}`);
if (problems.length) console.log(`first problems:\n${problems.slice(0, 20).join('\n')}`);
await stopAllServers();
rmSync(dataDir, { recursive: true, force: true });
process.exit(serverErrors > 0 ? 1 : 0);
