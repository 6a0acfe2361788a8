import { expect } from 'chai';
import mongoose from 'mongoose';
import { createApiToken } from '../../src/api/tokens.js';
import { userActor } from '../../src/audit/index.js';
import { agent, makeApp, type Agent } from '../helpers/app.js';
import { createUser, signIn } from '../helpers/factories.js';
import { postReport, reportForm } from '../helpers/reports.js';

interface Probe {
  a: Agent;
  email: string;
  marker: string;
  pages: string[];
}

/** Keeps a few hundred expired sessions in the store so that every sweep has work to do. */
async function plantExpiredSessions(round: number, count: number): Promise<void> {
  const expired = new Date(Date.now() - 3_600_000);
  await mongoose.connection.db!.collection('sessions').insertMany(
    Array.from({ length: count }, (_, i) => ({ _id: `expired-${round}-${i}` as never, expires: expired, session: { cookie: {}, passport: { user: 'nobody' } } })),
  );
}

describe('sessions under the expiry sweep', function () {
  this.timeout(120_000);

  it('when the sweep runs every second beside concurrent signed-in readers, then every response belongs to its own session and none is a 500', async () => {
    const { app } = makeApp({ SESSION_SWEEP_SECONDS: '1' });
    const probes: Probe[] = [];
    for (let i = 0; i < 10; i++) {
      const policymaker = i % 3 === 2;
      const account = await createUser({ roles: policymaker ? ['policymaker'] : ['researcher'], name: `Prober ${i}` });
      const a = agent(app);
      await signIn(a, account);
      const marker = `MARK${i}X${Date.now().toString(36)}`;
      if (policymaker) {
        await createApiToken({ ...userActor({ id: account.user.id, roles: ['policymaker'] }), id: account.user.id }, `token ${marker}`);
      } else {
        expect((await postReport(a, reportForm({ title: `Report ${marker}` }))).status).to.equal(303);
      }
      probes.push({ a, email: account.email, marker, pages: policymaker ? ['/account', '/account/tokens'] : ['/account', '/reports'] });
    }

    const problems: string[] = [];
    let responses = 0;
    const until = Date.now() + 8_000;
    let round = 0;
    const planter = (async () => {
      while (Date.now() < until) {
        await plantExpiredSessions(round++, 50);
        await new Promise((r) => setTimeout(r, 400));
      }
    })();
    await Promise.all(
      probes.map(async (probe) => {
        let n = 0;
        while (Date.now() < until) {
          const page = probe.pages[n++ % probe.pages.length]!;
          const res = await probe.a.get(page);
          responses += 1;
          if (res.status !== 200) {
            problems.push(`${page} for ${probe.email}: ${res.status}`);
            continue;
          }
          const own = page === '/account' ? probe.email : probe.marker;
          if (!res.text.includes(own)) problems.push(`${page} for ${probe.email}: own data missing`);
          for (const other of probes) {
            if (other === probe) continue;
            if (res.text.includes(other.email) || res.text.includes(other.marker)) problems.push(`${page} for ${probe.email}: shows ${other.email}'s data`);
          }
        }
      }),
    );
    await planter;
    expect(responses).to.be.greaterThan(100);
    expect(problems).to.deep.equal([]);
    // The sweep did run: a moment after the last planting, the expired sessions are gone.
    await new Promise((r) => setTimeout(r, 2_500));
    const left = await mongoose.connection.db!.collection('sessions').countDocuments({ _id: { $regex: '^expired-' } as never });
    expect(left).to.equal(0);
  });
});
