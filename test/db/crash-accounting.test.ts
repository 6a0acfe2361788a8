import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { MongoClient, ObjectId } from 'mongodb';
import { addLiveUser, signInLive, type LiveUser } from '../helpers/live-client.js';
import { isAlive, startServerProcess, useTempDataDir, waitFor, type ServerProcess } from '../helpers/server-process.js';

/**
 * Crash and kill accounting: while report submissions (each with an evidence file) and approvals
 * stream through a real `npm start` process, the engine is killed (-9), then the app, then both at
 * once. Every answer the clients received is then checked against what the database and the
 * evidence directory hold.
 */
const PASSWORD = 'crash accounting password long enough';
const CHECKLIST = { sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' };
const INCIDENTS = 16;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The embedded engine: the app's child process named ferretdb. */
function enginePidOf(appPid: number): number | undefined {
  const out = spawnSync('pgrep', ['-P', String(appPid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
  return out.find((pid) => existsSync(`/proc/${pid}/comm`) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ferretdb');
}

async function healthy(base: string): Promise<boolean> {
  try {
    return (await fetch(`${base}/healthz`)).status === 200;
  } catch {
    return false;
  }
}

describe('crash and kill accounting (npm start, SIGKILL of the engine, the app, both)', function () {
  this.timeout(600_000);
  const data = useTempDataDir('tracker-kill-');

  it('when the engine, then the app, then both are killed while reports and approvals stream, then every acknowledged write is there, no file is orphaned and the audit chain verifies', async () => {
    const dataDir = data.get();
    let server: ServerProcess = await startServerProcess(dataDir);
    const base = () => `http://127.0.0.1:${server.port}`;
    const env = { ...process.env, MONGODB_URI: '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const user = (role: string, name: string) => addLiveUser(env, base, role, `${name}@example.org`, PASSWORD);
    const [researcher, editor, first, second] = [user('researcher', 'researcher'), user('reviewer', 'editor'), user('reviewer', 'first'), user('reviewer', 'second')] as LiveUser[];
    for (const u of [researcher, editor, first, second]) await signInLive(u!);

    // Incidents waiting for approval, through the real forms: a CSV import, then "submit for review".
    const rows = Array.from({ length: INCIDENTS }, (_, i) => `Crash incident ${i},A journalist was targeted.,2022-03,MA,journalist,A forensic report,https://example.org/r${i}`);
    const importToken = await editor!.client.csrf('/review/import');
    const imported = await editor!.client.upload('/review/import', importToken, {}, [{ name: 'incidents.csv', data: Buffer.from(`title,summary,date_from,countries,target_categories,source_title,source_url\n${rows.join('\n')}\n`) }]);
    expect(imported.status, imported.text.slice(0, 300)).to.equal(303);
    const refs = [...new Set((await editor!.client.request('GET', imported.location!)).text.match(/I-\d{4}-\d{5}/g))];
    expect(refs).to.have.length(INCIDENTS);
    for (const ref of refs) {
      const submitted = await editor!.client.request('POST', `/incidents/${ref}/submit`, { _csrf: await editor!.client.csrf(`/incidents/${ref}`) });
      expect(submitted.status).to.equal(302);
    }

    const acknowledged = { reports: [] as string[], approvals: [] as { ref: string; reviewer: string }[] };
    const counts = { reportAttempts: 0, approvalAttempts: 0, failures: 0 };
    let streaming = true;

    const reports = (async () => {
      for (let n = 0; streaming; n++) {
        counts.reportAttempts += 1;
        try {
          const token = await researcher!.client.csrf('/reports/new');
          const form = { title: `Crash report ${n}`, narrative: 'Sent while the engine and the app are killed.', 'dates[from]': '2022-03', country: 'MA', 'targets[0][category]': 'journalist', 'targets[0][pseudonym]': 'Journalist A', vectorKind: 'unknown' };
          const res = await researcher!.client.upload('/reports', token, form, [{ name: `trace-${n}.json`, data: Buffer.from(JSON.stringify({ n, at: Date.now() })) }]);
          if (res.status === 303 && /^\/reports\/R-\d{4}-\d{5}$/.test(res.location ?? '')) acknowledged.reports.push(res.location!.split('/').pop()!);
          else counts.failures += 1;
        } catch {
          counts.failures += 1;
          await sleep(200);
        }
      }
    })();

    const approvals = [first!, second!].map(async (reviewer, r) => {
      // Each reviewer goes through the incidents in its own order until each is decided; an approval
      // whose answer did not come is sent again at once, as a person would press the button again.
      const todo = r === 0 ? [...refs] : [...refs].reverse();
      while (streaming && todo.length) {
        const ref = todo.shift()!;
        counts.approvalAttempts += 1;
        try {
          const token = await reviewer.client.csrf(`/incidents/${ref}`);
          const res = await reviewer.client.request('POST', `/incidents/${ref}/reviews`, { _csrf: token, decision: 'approve', ...CHECKLIST });
          if (res.status === 302) acknowledged.approvals.push({ ref, reviewer: reviewer.id });
          else if (res.status >= 500) {
            counts.failures += 1;
            todo.unshift(ref);
          }
          // A 4xx: this reviewer's approval is already on record (an earlier answer was lost) or refused.
        } catch {
          counts.failures += 1;
          todo.unshift(ref);
          await sleep(200);
        }
        await sleep(300);
      }
    });

    const phases: { what: string; recoveredMs: number; by: string }[] = [];
    await sleep(3_000);

    // 1. The engine dies: the app restarts it by itself.
    const engine = enginePidOf(server.child.pid!);
    expect(engine, 'the embedded engine runs').to.be.a('number');
    let killedAt = Date.now();
    process.kill(engine!, 'SIGKILL');
    expect(await waitFor(async () => enginePidOf(server.child.pid!) !== engine && (await healthy(base())), 60_000), 'the app restarts its engine').to.equal(true);
    phases.push({ what: 'engine killed', recoveredMs: Date.now() - killedAt, by: 'the app restarted its engine' });
    await sleep(3_000);

    // 2. The app dies (its engine follows it): the next start recovers.
    killedAt = Date.now();
    server.child.kill('SIGKILL');
    await server.exited;
    server = await startServerProcess(dataDir);
    phases.push({ what: 'app killed', recoveredMs: Date.now() - killedAt, by: 'next start' });
    await sleep(3_000);

    // 3. Both at once.
    const both = enginePidOf(server.child.pid!);
    killedAt = Date.now();
    process.kill(both!, 'SIGKILL');
    server.child.kill('SIGKILL');
    await server.exited;
    expect(await waitFor(() => !isAlive(both!), 10_000)).to.equal(true);
    server = await startServerProcess(dataDir);
    phases.push({ what: 'engine and app killed', recoveredMs: Date.now() - killedAt, by: 'next start' });
    await sleep(3_000);

    streaming = false;
    await Promise.all([reports, ...approvals]);
    // A last restart, as an operator would after the incident: the start-up sweep has run on what the crashes left.
    server.child.kill('SIGTERM');
    expect(await server.exited).to.equal(0);
    server = await startServerProcess(dataDir);

    const { uri } = JSON.parse(readFileSync(path.join(dataDir, 'engine.json'), 'utf8')) as { uri: string };
    const client = await MongoClient.connect(uri);
    try {
      const db = client.db();
      const stored = await db.collection('reports').find({}, { projection: { ref: 1 } }).toArray();
      const storedRefs = new Set(stored.map((r) => r['ref'] as string));
      const lostReports = acknowledged.reports.filter((ref) => !storedRefs.has(ref));
      const evidence = await db.collection('evidences').find({}).toArray();
      const reportIds = new Map(stored.map((r) => [String(r._id), r['ref'] as string]));
      const withEvidence = new Set(evidence.map((e) => reportIds.get(String(e['report']))).filter(Boolean));
      const acknowledgedWithoutFile = acknowledged.reports.filter((ref) => !withEvidence.has(ref));
      const files = readdirSync(path.join(dataDir, 'evidence'));
      const referenced = new Set(evidence.flatMap((e) => [e['original']?.file, e['working']?.file].filter(Boolean).map((f) => `${String(f)}.bin`)));
      const orphanFiles = files.filter((f) => !referenced.has(f));
      const recordsWithoutFile = [...referenced].filter((f) => !files.includes(f));

      const incidents = await db.collection('incidents').find({ ref: { $in: refs } }).toArray();
      const idOf = new Map(incidents.map((i) => [i['ref'] as string, i._id]));
      const reviews = await db.collection('reviews').find({ decision: 'approve' }).toArray();
      const lostApprovals = acknowledged.approvals.filter((a) => !reviews.some((r) => String(r['incident']) === String(idOf.get(a.ref)) && String(r['reviewer']) === String(new ObjectId(a.reviewer))));
      const twiceApproved = refs.filter((ref) => acknowledged.approvals.filter((a) => a.ref === ref).length === 2);
      const notVerified = twiceApproved.filter((ref) => {
        const i = incidents.find((x) => x['ref'] === ref)!;
        // Verified; published too unless the import made it restricted.
        return (i['verification'] as { status: string }).status !== 'verified' || i['published'] !== (i['visibility'] === 'public');
      });
      // Two approvals on record, whether or not their answers arrived: the incident must be verified (no half-done decision).
      const approvedTwiceStored = refs.filter((ref) => new Set(reviews.filter((r) => String(r['incident']) === String(idOf.get(ref))).map((r) => String(r['reviewer']))).size >= 2);
      const stuck = approvedTwiceStored.filter((ref) => (incidents.find((x) => x['ref'] === ref)!['verification'] as { status: string }).status !== 'verified');
      const audit = spawnSync('node', ['--import', 'tsx', 'src/cli.ts', 'audit:verify'], { env, encoding: 'utf8' });

      console.log('\n      | figure | value |\n      | --- | ---: |');
      for (const p of phases) console.log(`      | ${p.what}: back after | ${p.recoveredMs} ms (${p.by}) |`);
      console.log(`      | report submissions sent / acknowledged / stored | ${counts.reportAttempts} / ${acknowledged.reports.length} / ${stored.length} |`);
      console.log(`      | approvals sent / acknowledged / stored | ${counts.approvalAttempts} / ${acknowledged.approvals.length} / ${reviews.length} |`);
      console.log(`      | requests failed or refused (not acknowledged) | ${counts.failures} |`);
      console.log(`      | acknowledged but lost (reports, approvals) | ${lostReports.length}, ${lostApprovals.length} |`);
      console.log(`      | acknowledged reports without their file | ${acknowledgedWithoutFile.length} |`);
      console.log(`      | files without a record / records without a file | ${orphanFiles.length} / ${recordsWithoutFile.length} |`);
      console.log(`      | incidents approved twice (acknowledged) not verified | ${notVerified.length} of ${twiceApproved.length} |`);
      console.log(`      | incidents with two approvals stored but not verified | ${stuck.length} of ${approvedTwiceStored.length} |`);
      console.log(`      | audit:verify | ${audit.stdout.trim()} |`);

      expect(acknowledged.reports.length, 'reports got through between the crashes').to.be.greaterThan(3);
      expect(acknowledged.approvals.length, 'approvals got through between the crashes').to.be.greaterThan(3);
      expect(lostReports).to.deep.equal([]);
      expect(lostApprovals).to.deep.equal([]);
      expect(acknowledgedWithoutFile).to.deep.equal([]);
      expect(orphanFiles).to.deep.equal([]);
      expect(recordsWithoutFile).to.deep.equal([]);
      expect(notVerified).to.deep.equal([]);
      expect(stuck).to.deep.equal([]);
      expect(audit.status, audit.stdout + audit.stderr).to.equal(0);
      expect(await healthy(base())).to.equal(true);
    } finally {
      await client.close();
    }
  });
});
