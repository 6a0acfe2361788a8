import { readFileSync, writeFileSync } from 'node:fs';
import { LiveClient, addLiveUser, signInLive, type LiveUser } from '../helpers/live-client.js';

/** What the benchmarks do as users, through the real forms of a running `npm start` process. */
const PASSWORD = 'write bench password long enough 2026';
const CHECKLIST = { sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' };

export interface BenchUsers {
  researcher: LiveUser;
  editor: LiveUser;
  approvers: [LiveUser, LiveUser];
  admin: LiveUser;
  anonymous: LiveClient;
}

/** Accounts made with the CLI against the app's engine (DATA_DIR), each signed in through the forms. */
export async function benchUsers(dataDir: string, base: () => string): Promise<BenchUsers> {
  const env = { ...process.env, MONGODB_URI: '', DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'production' };
  const user = (role: string, name: string) => addLiveUser(env, base, role, `bench-${name}@example.org`, PASSWORD);
  const users = { researcher: user('researcher', 'researcher'), editor: user('reviewer', 'editor'), approvers: [user('reviewer', 'first'), user('reviewer', 'second')] as [LiveUser, LiveUser], admin: user('admin', 'admin'), anonymous: new LiveClient(base) };
  for (const u of [users.researcher, users.editor, ...users.approvers, users.admin]) await signInLive(u);
  return users;
}

export type Timed = <T>(label: string, act: () => Promise<T>) => Promise<T>;

export function expectStatus(res: { status: number; text: string }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${(res.text.match(/field-error[\s\S]{0,400}/g) ?? []).join(' | ') || res.text.slice(0, 300)}`);
}

/** A researcher's report through the form; returns its reference. */
export async function submitReport(users: BenchUsers, run: number, timed: Timed): Promise<string> {
  return timed('report submission (form page + POST)', async () => {
    const token = await users.researcher.client.csrf('/reports/new');
    const res = await users.researcher.client.request('POST', '/reports', { _csrf: token, title: `Bench report ${run}`, narrative: 'Sent by the benchmark.', 'dates[from]': '2022-03', country: 'MA', 'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'Journalist A', vectorKind: 'unknown' });
    expectStatus(res, 303, 'report');
    return /R-\d{4}-\d{5}/.exec((await users.researcher.client.request('GET', res.location!)).text)![0];
  });
}

/**
 * One incident from a one-row import to the public list: submitted for review, approved by two
 * reviewers, then `/incidents?q=` asked every 100 ms until it lists it. Returns the milliseconds
 * from the second approval being sent until the incident was listed.
 */
export async function publishOne(users: BenchUsers, run: number, timed: Timed): Promise<number> {
  const { editor, approvers, anonymous } = users;
  const title = `Bench publication ${run} ${Date.now()}`;
  const ref = await timed('CSV import of one row (page + POST)', async () => {
    const csv = `title,summary,date_from,countries,target_categories,source_title,source_url,visibility\n${title},A journalist was targeted.,2022-03,MA,journalist,A forensic report,https://example.org/w${run},public\n`;
    const res = await editor.client.upload('/review/import', await editor.client.csrf('/review/import'), {}, [{ name: 'incidents.csv', data: Buffer.from(csv) }]);
    expectStatus(res, 303, 'import');
    return /I-\d{4}-\d{5}/.exec((await editor.client.request('GET', res.location!)).text)![0];
  });
  await timed('submit for review (incident page + POST)', async () => {
    expectStatus(await editor.client.request('POST', `/incidents/${ref}/submit`, { _csrf: await editor.client.csrf(`/incidents/${ref}`) }), 302, 'submit');
  });
  await timed('first approval (incident page + POST)', async () => {
    expectStatus(await approvers[0].client.request('POST', `/incidents/${ref}/reviews`, { _csrf: await approvers[0].client.csrf(`/incidents/${ref}`), decision: 'approve', ...CHECKLIST }), 302, 'first approval');
  });
  const token = await approvers[1].client.csrf(`/incidents/${ref}`);
  const sent = performance.now();
  await timed('second approval = publication (POST)', async () => {
    expectStatus(await approvers[1].client.request('POST', `/incidents/${ref}/reviews`, { _csrf: token, decision: 'approve', ...CHECKLIST }), 302, 'second approval');
  });
  return timed('publication until listed on /incidents?q=', async () => {
    for (;;) {
      const page = await anonymous.request('GET', `/incidents?q=${encodeURIComponent(title)}`);
      if (page.text.includes(ref)) return performance.now() - sent;
      if (performance.now() - sent > 600_000) throw new Error(`${ref} not listed after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
}

/** An entity edit through the admin form. */
export async function editVendor(users: BenchUsers, run: number, timed: Timed): Promise<void> {
  await timed('entity edit (form page + POST)', async () => {
    const token = await users.admin.client.csrf('/admin/vendors/synthetic-vendor-1/edit');
    const form = { _csrf: token, name: 'Synthetic vendor 1 (fake)', nameAr: '', aliases: '', slug: 'synthetic-vendor-1', hqCountry: '', parent: '', successor: '', website: '', summary: `Generated for scale tests (edit ${run}).` };
    expectStatus(await users.admin.client.request('POST', '/admin/vendors/synthetic-vendor-1', form), 302, 'vendor edit');
  });
}

/** Starts a new high-water mark of a process's resident memory (Linux: `5` to /proc/PID/clear_refs). */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** A process's resident memory now and at its highest since it started or since `resetPeak` (VmRSS, VmHWM), in MB. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
