import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import supertest from 'supertest';
import { loadConfig } from '../../src/config.js';
import { errorHandler } from '../../src/http/errors.js';
import { useViews } from '../../src/http/views.js';
import { i18nMiddleware } from '../../src/i18n/index.js';
import { createLogger } from '../../src/log.js';
import { agent, closeApps, makeApp } from '../helpers/app.js';

const root = path.resolve(import.meta.dirname, '../..');

/** An engine failure as the driver reports it, with a stack that names files on the server. */
function engineError(): Error {
  const err = new Error('BSON element "cursor" is missing');
  err.name = 'MongoServerError';
  err.stack = `MongoServerError: BSON element "cursor" is missing\n    at Connection.sendCommand (${root}/node_modules/mongodb/lib/cmap/connection.js:316:27)`;
  return err;
}

describe('production by default: no stack, path or engine message reaches a visitor', () => {
  afterEach(closeApps);

  it('when nothing is configured, then the app runs with production settings (view cache on)', () => {
    expect(loadConfig({}).NODE_ENV).to.equal('production');
    const { app } = makeApp({ NODE_ENV: 'production' });
    expect(app.get('view cache')).to.equal(true);
    expect(app.get('env')).to.equal('production');
  });

  for (const [label, method, url] of [['a public page', 'get', '/incidents'], ['a form', 'post', '/track']] as const) {
    it(`when the engine fails on ${label}, then the visitor gets a plain 500 page without the engine's message, a stack or a path`, async () => {
      const app = express();
      useViews(app, true);
      app.use(i18nMiddleware);
      app[method](url, () => {
        throw engineError();
      });
      // The same handler createApp installs, with the same choice production makes.
      app.use(errorHandler(createLogger('silent'), loadConfig({}).NODE_ENV === 'development'));
      const res = await supertest(app)[method](url);
      expect(res.status).to.equal(500);
      expect(res.text).to.include('<html');
      expect(res.text).not.to.match(/BSON|cursor|MongoServerError|node_modules|\/work\/|connection\.js/);
    });
  }

  it('when the site is asked for a page that fails validation deep inside, then the answer is a 4xx page, never a stack', async () => {
    const { app } = makeApp({ NODE_ENV: 'production' });
    const res = await agent(app).get('/incidents?page=notanumber&vendor[$gt]=');
    expect(res.status).to.be.within(400, 499);
    expect(res.text).not.to.match(/\n\s+at |node_modules/);
  });
});
