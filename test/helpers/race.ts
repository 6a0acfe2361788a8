import type { Agent } from './app.js';
import { csrfFrom } from './app.js';
import { totpCode } from './factories.js';

/**
 * Fires `n` prepared attempts at once and returns their results in order. Preparation (sessions,
 * tokens) happens before, so the attempts themselves overlap as much as the event loop allows.
 */
export async function race<P, R>(n: number, prepare: (i: number) => Promise<P>, attempt: (prepared: P, i: number) => Promise<R>): Promise<R[]> {
  const prepared: P[] = [];
  for (let i = 0; i < n; i += 10) prepared.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, j) => prepare(i + j)))));
  return Promise.all(prepared.map((p, i) => attempt(p, i)));
}

/** An agent that passed the password step and holds the second-factor form's token. */
export async function pendingSecondFactor(a: Agent, account: { email: string; password: string }): Promise<{ a: Agent; token: string }> {
  const loginToken = await csrfFrom(a, '/login');
  const res = await a.post('/login').type('form').send({ _csrf: loginToken, email: account.email, password: account.password });
  if (res.headers.location !== '/login/totp') throw new Error(`password step: ${res.status} ${String(res.headers.location)}`);
  return { a, token: await csrfFrom(a, '/login/totp') };
}

export { totpCode };

/** One line of figures per race (npm run bench:races collects them): attempts, rounds, winners per round. */
export function printRace(name: string, attempts: number, perRound: (number | string)[]): void {
  console.log(`      race | ${name} | ${attempts} at once | ${perRound.length} rounds | ${perRound.join(', ')}`);
}
