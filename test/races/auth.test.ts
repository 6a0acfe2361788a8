import { expect } from 'chai';
import { User } from '../../src/auth/model.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createUser, signIn, totpCode } from '../helpers/factories.js';
import { pendingSecondFactor, printRace, race } from '../helpers/race.js';

const WAYS = 50;
const ROUNDS = 5;

describe('races: second factor (50 ways at once, 5 rounds)', function () {
  this.timeout(600_000);
  afterEach(closeApps);

  it('when one TOTP code is sent in 50 sessions at once, then exactly one session signs in', async () => {
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp({ LOGIN_ATTEMPTS_PER_MINUTE: '1000', LOGIN_MAX_FAILURES: '100' });
      const account = await createUser({ roles: ['reviewer'], totp: true, cheapHash: true });
      // One code for every attempt; generated once so a step boundary cannot split the race.
      let code = '';
      const results = await race(
        WAYS,
        (i) => pendingSecondFactor(agent(app), account).then(async (p) => {
          if (i === WAYS - 1) code = await totpCode(account.totpSecret!);
          return p;
        }),
        (p) => p.a.post('/login/totp').type('form').send({ _csrf: p.token, code }),
      );
      const signedIn = results.filter((r) => r.status === 302).length;
      winners.push(signedIn);
      expect(results.filter((r) => r.status !== 302 && r.status !== 401), 'no other answers').to.deep.equal([]);
    }
    printRace('TOTP code, sessions signed in', WAYS, winners);
    expect(winners).to.deep.equal(Array(ROUNDS).fill(1));
  });

  it('when one recovery code is sent in 50 sessions at once, then exactly one session signs in and the code is spent', async () => {
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp({ LOGIN_ATTEMPTS_PER_MINUTE: '1000', LOGIN_MAX_FAILURES: '100' });
      const account = await createUser({ cheapHash: true });
      // Enrol through the real pages to get real recovery codes.
      const owner = agent(app);
      await signIn(owner, account);
      await owner.get('/account/totp');
      const enrol = await owner.get('/account/totp');
      const plain = /secret=([A-Z2-7]+)/.exec(enrol.text)?.[1];
      expect(plain, 'secret shown on the enrolment page').to.be.a('string');
      const token = await csrfFrom(owner, '/account/totp');
      expect((await owner.post('/account/totp').type('form').send({ _csrf: token, code: await totpCode(plain!) })).status).to.equal(302);
      const codes = [...(await owner.get('/account/recovery-codes')).text.matchAll(/\b([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})\b/g)].map((m) => m[1]!);
      expect(codes.length).to.be.greaterThan(0);
      const results = await race(WAYS, () => pendingSecondFactor(agent(app), account), (p) => p.a.post('/login/totp').type('form').send({ _csrf: p.token, code: codes[0]! }));
      winners.push(results.filter((r) => r.status === 302).length);
      const again = await pendingSecondFactor(agent(app), account);
      expect((await again.a.post('/login/totp').type('form').send({ _csrf: again.token, code: codes[0]! })).status, 'spent code refused').to.equal(401);
      const user = (await User.findById(account.user.id).lean())!;
      expect(user.recoveryCodeHashes.length).to.be.at.most(codes.length - 1);
    }
    printRace('recovery code, sessions signed in', WAYS, winners);
    expect(winners).to.deep.equal(Array(ROUNDS).fill(1));
  });
});
