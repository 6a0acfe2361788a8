import { expect } from 'chai';
import { agent, closeApps, makeApp } from '../helpers/app.js';
import { commandsDuring } from '../helpers/commands.js';
import { createUser, signIn } from '../helpers/factories.js';
import { postReport } from '../helpers/reports.js';

describe('rate-limited refusals cost nothing', () => {
  afterEach(closeApps);

  it('when a client is over the /track limit, then the next POST is refused (429) before its body is parsed or the database is asked anything', async () => {
    const { app } = makeApp();
    for (let i = 0; i < 20; i++) await agent(app).post('/track').type('form').send('code=x');
    // A body that the form parser would refuse with 400: the limit answers first.
    const { result, commands } = await commandsDuring(() => agent(app).post('/track').type('form').send('targets[999999999][x]=1'));
    expect(result.status).to.equal(429);
    expect(commands).to.deep.equal([]);
  });

  it('when anonymous clients without a session exhaust the report budget, then later ones are refused early, while a signed-in researcher at the same address still submits', async () => {
    const { app } = makeApp();
    for (let i = 0; i < 30; i++) await agent(app).post('/reports').type('form').send('title=x');
    const { result, commands } = await commandsDuring(() => agent(app).post('/reports').type('form').send('title=x'));
    expect(result.status).to.equal(429);
    expect(commands).to.deep.equal([]);
    const researcher = agent(app);
    await signIn(researcher, await createUser());
    expect((await postReport(researcher)).status).to.equal(303);
  });
});
