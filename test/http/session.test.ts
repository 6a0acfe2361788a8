import { expect } from 'chai';
import express from 'express';
import supertest from 'supertest';
import { saveBeforeRedirect } from '../../src/http/session.js';

type FakeSession = Record<string, unknown> & { save: (cb: (err?: unknown) => void) => void };

/** An app whose requests carry `session` (as express-session would give it), and a route that changes it as asked and redirects. */
function appWith(session: FakeSession, change: (s: FakeSession) => void) {
  const app = express();
  app.use((req, _res, next) => {
    (req as unknown as { session: FakeSession }).session = session;
    next();
  });
  app.use(saveBeforeRedirect(app));
  const sent: boolean[] = [];
  app.get('/go', (_req, res) => {
    change(session);
    res.on('finish', () => sent.push(true));
    res.redirect('/next');
  });
  return { app, sent };
}

describe('saveBeforeRedirect', () => {
  it('when a handler changed the session and redirects, then the redirect waits until the session is stored', async () => {
    const order: string[] = [];
    const session: FakeSession = {
      save(cb) {
        setTimeout(() => {
          order.push(`saved, redirect sent: ${sent.length > 0}`);
          cb();
        }, 50);
      },
    };
    const { app, sent } = appWith(session, (s) => (s.recoveryCodes = ['a']));
    const res = await supertest(app).get('/go');
    expect([res.status, res.headers.location]).to.deep.equal([302, '/next']);
    expect(order).to.deep.equal(['saved, redirect sent: false']);
  });

  it('when the session did not change, then the redirect goes at once and nothing is written', async () => {
    let saves = 0;
    const session: FakeSession = { returnTo: '/x', save: () => (saves += 1) };
    const { app } = appWith(session, () => undefined);
    const res = await supertest(app).get('/go');
    expect([res.status, res.headers.location]).to.deep.equal([302, '/next']);
    expect(saves).to.equal(0);
  });

  it('when storing the changed session fails, then no redirect is sent: the error goes to the error handler', async () => {
    const session: FakeSession = { save: (cb) => cb(new Error('store down')) };
    const { app } = appWith(session, (s) => (s.flash = ['x']));
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => res.status(500).send(err.message));
    const res = await supertest(app).get('/go');
    expect([res.status, res.text, res.headers.location]).to.deep.equal([500, 'store down', undefined]);
  });
});
