import { expect } from 'chai';
import mongoose from 'mongoose';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { createUser, signIn } from '../helpers/factories.js';

/** The commands a request sent, each as its name, collection and the fields its filter names. */
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  const commands: string[] = [];
  const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
    const filter = (e.command.filter ?? e.command.query ?? {}) as Record<string, unknown>;
    commands.push(`${e.commandName} ${String(e.command[e.commandName])} ${Object.keys(filter).join(',')}`);
  };
  const client = mongoose.connection.getClient();
  client.on('commandStarted', listener);
  try {
    await run();
  } finally {
    client.off('commandStarted', listener);
  }
  return commands;
}

describe('what a signed-in page reads (each a lookup by _id, never a scan)', () => {
  afterEach(closeApps);

  it('when a signed-in researcher opens a public page again, then the session and the account are read by _id alone and the notice badge is not counted again', async () => {
    const { app } = makeApp();
    const a = agent(app);
    await signIn(a, await createUser({ roles: ['researcher'] }));
    await a.get('/incidents');
    const commands = await commandsOf(() => a.get('/incidents'));
    expect(commands).to.deep.equal(['find sessions _id', 'find users _id']);
  });

  it('when a stored session is past its expiry, then it is not accepted (read by _id, the expiry checked by the app)', async () => {
    const { app } = makeApp();
    const a = agent(app);
    await signIn(a, await createUser({ roles: ['researcher'] }));
    expect((await a.get('/account')).status).to.equal(200);
    await mongoose.connection.db!.collection('sessions').updateMany({}, { $set: { expires: new Date(Date.now() - 1_000) } });
    const res = await a.get('/account');
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/login');
  });
});
