import { expect } from 'chai';
import { User } from '../../src/auth/model.js';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';

describe('security baseline', () => {
  afterEach(closeApps);

  describe('GET /', () => {
    it('when any page is served, then it carries a strict CSP and no framework banner', async () => {
      const { app } = makeApp();
      const res = await agent(app).get('/');
      expect(res.status).to.equal(200);
      const csp = res.headers['content-security-policy'] as string;
      expect(csp).to.include("default-src 'self'");
      expect(csp).to.include("object-src 'none'");
      expect(csp).to.include("base-uri 'none'");
      expect(csp).to.include("frame-ancestors 'none'");
      expect(csp).to.include("form-action 'self'");
      expect(csp).not.to.match(/unsafe-inline|unsafe-eval|upgrade-insecure-requests/);
      expect(res.headers['referrer-policy']).to.equal('no-referrer');
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers['x-powered-by']).to.equal(undefined);
      // A public read page for an anonymous visitor may be kept, but must be asked for again each
      // time (a retraction is never served from a cache); a page with a form is never kept.
      expect(res.headers['cache-control']).to.equal('public, no-cache');
      expect((await agent(app).get('/login')).headers['cache-control']).to.equal('no-store');
    });

    it('when a page is rendered, then it has no inline script or style and loads nothing from another origin', async () => {
      const { app } = makeApp();
      for (const path of ['/', '/login', '/register']) {
        const html = (await agent(app).get(path)).text;
        expect(html).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/i);
        expect(html).not.to.match(/\sstyle=|<style/i);
        expect(html).not.to.match(/(src|href)="(https?:)?\/\//i);
      }
    });
  });

  describe('POST /register without a CSRF token', () => {
    it('then answers 403 and creates no account', async () => {
      const { app } = makeApp();
      const res = await agent(app)
        .post('/register')
        .type('form')
        .send({ email: 'new@example.org', name: 'New', password: 'a long enough passphrase' });
      expect(res.status).to.equal(403);
      expect(res.text).to.include('Nothing was changed');
      expect(await User.countDocuments({})).to.equal(0);
    });

    it('when the token belongs to another session, then answers 403 and creates no account', async () => {
      const { app } = makeApp();
      const token = await csrfFrom(agent(app), '/register');
      const res = await agent(app)
        .post('/register')
        .type('form')
        .send({ _csrf: token, email: 'new@example.org', name: 'New', password: 'a long enough passphrase' });
      expect(res.status).to.equal(403);
      expect(await User.countDocuments({})).to.equal(0);
    });
  });

  describe('bad requests', () => {
    it('when the body is larger than the limit, then answers 413 and stores nothing', async () => {
      const { app } = makeApp();
      const a = agent(app);
      const token = await csrfFrom(a, '/register');
      const res = await a
        .post('/register')
        .type('form')
        .send({ _csrf: token, email: 'big@example.org', name: 'x'.repeat(200_000), password: 'a long enough passphrase' });
      expect(res.status).to.equal(413);
      expect(res.text).to.include('larger than this site accepts');
      expect(await User.countDocuments({})).to.equal(0);
    });

    it('when an unknown page is asked for, then the 404 page is shown in the chosen language', async () => {
      const { app } = makeApp();
      const res = await agent(app).get('/no-such-page?lng=ar');
      expect(res.status).to.equal(404);
      expect(res.text).to.include('dir="rtl"');
      expect(res.text).to.include('الصفحة غير موجودة');
    });
  });

  describe('GET /favicon.ico', () => {
    it('when the browser asks for it beside a page, then it is answered without touching the session', async () => {
      const { app } = makeApp();
      const a = agent(app);
      await csrfFrom(a, '/login'); // a session exists now
      const res = await a.get('/favicon.ico');
      expect(res.status).to.equal(301);
      expect(res.headers.location).to.equal('/favicon.svg');
      expect(res.headers['set-cookie']).to.equal(undefined);
    });
  });

  describe('GET /healthz', () => {
    it('when the engine is up, then 200 with no versions disclosed', async () => {
      const { app } = makeApp();
      const res = await agent(app).get('/healthz');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ status: 'ok', database: 'up', storage: 'ok' });
      expect(res.text).not.to.match(/ferret|mongo|version/i);
    });

    it('when the engine process is down, then 503', async () => {
      const { app } = makeApp({}, () => false);
      const res = await agent(app).get('/healthz');
      expect(res.status).to.equal(503);
      expect(res.body.database).to.equal('down');
    });
  });

  describe('language', () => {
    it('when ?lng=ar is given, then the page is Arabic, right-to-left, and the choice is kept in a cookie', async () => {
      const { app } = makeApp();
      const a = agent(app);
      const first = await a.get('/login?lng=ar');
      expect(first.text).to.match(/<html lang="ar" dir="rtl">/);
      const second = await a.get('/login');
      expect(second.text).to.match(/<html lang="ar" dir="rtl">/);
      expect(second.text).to.include('href="/login?lng=en"');
    });

    it('when the browser prefers Arabic, then the page is Arabic', async () => {
      const { app } = makeApp();
      const res = await agent(app).get('/').set('Accept-Language', 'ar-EG,ar;q=0.9,en;q=0.5');
      expect(res.text).to.match(/<html lang="ar" dir="rtl">/);
    });
  });
});
