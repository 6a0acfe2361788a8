import { expect } from 'chai';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import supertest from 'supertest';
import { routersByFirstSegment } from '../../src/http/routers.js';

/** An app with the given routers behind routersByFirstSegment, a 404 and an error handler, recording which routers were entered. */
function appWith(routers: (entered: string[]) => Router[]) {
  const entered: string[] = [];
  const app = express();
  app.use((_req, _res, next) => {
    entered.length = 0;
    next();
  });
  app.use(routersByFirstSegment(routers(entered)));
  app.use((_req, res) => res.status(404).send('none'));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => res.status(500).send(`error: ${err.message}`));
  return { app, entered };
}

/** A router named `name` with the given GET routes, each answering `name path`, noting in `entered` each time it is entered. */
function router(name: string, entered: string[], paths: string[]): Router {
  const r = Router();
  for (const path of paths) r.get(path, (_req, res) => res.send(`${name} ${path}`));
  const entering = (req: Request, res: Response, next: NextFunction) => {
    entered.push(name);
    r(req, res, next);
  };
  return Object.assign(entering, { stack: r.stack }) as unknown as Router;
}

describe('routers entered by the first segment of the path', () => {
  it('when a path is asked, then only the routers with a route under its first segment are entered, and the first matching route in the given order answers, whatever the case', async () => {
    const { app, entered } = appWith((e) => [
      router('home', e, ['/']),
      router('reports', e, ['/reports/new', '/reports/:ref', '/track']),
      router('review', e, ['/review', '/reports/:ref/take']),
      router('search', e, ['/incidents', '/incidents.csv']),
      router('incidents', e, ['/incidents/:ref', '/incidents/:ref/edit']),
    ]);
    const cases: [string, number, string, string[]][] = [
      ['/', 200, 'home /', ['home']],
      ['/review', 200, 'review /review', ['review']],
      ['/REVIEW/', 200, 'review /review', ['review']],
      ['/reports/R-1', 200, 'reports /reports/:ref', ['reports']],
      ['/reports/R-1/take', 200, 'review /reports/:ref/take', ['reports', 'review']],
      ['/incidents.csv', 200, 'search /incidents.csv', ['search']],
      ['/incidents/I-1/edit', 200, 'incidents /incidents/:ref/edit', ['search', 'incidents']],
      ['/nowhere', 404, 'none', []],
      ['/reports/R-1/unknown', 404, 'none', ['reports', 'review']],
      ['/track', 200, 'reports /track', ['reports']],
    ];
    for (const [path, status, text, routers] of cases) {
      const res = await supertest(app).get(path);
      expect([res.status, res.text, [...entered]], path).to.deep.equal([status, text, routers]);
    }
  });

  it('when a router has middleware of its own or a route not under plain text, then it is entered for every path, in its place', async () => {
    const { app, entered } = appWith((e) => {
      const guarded = Router();
      guarded.use((_req, _res, next) => {
        e.push('guarded');
        next();
      });
      guarded.get('/admin', (_req, res) => res.send('guarded /admin'));
      return [router('first', e, ['/first']), guarded, router('param', e, ['/:anything/x']), router('review', e, ['/review'])];
    });
    const res = await supertest(app).get('/review');
    expect([res.text, [...entered]]).to.deep.equal(['review /review', ['guarded', 'param', 'review']]);
    expect((await supertest(app).get('/other/x')).text).to.equal('param /:anything/x');
    expect((await supertest(app).get('/first')).text).to.equal('first /first');
  });

  it('when a route fails or leaves its router, then the error goes to the error handlers without entering the next routers, and next("router") goes on to them', async () => {
    const { app, entered } = appWith((e) => {
      const failing = Router();
      failing.get('/a/fail', () => {
        throw new Error('broken');
      });
      failing.get('/a/leave', (_req, _res, next) => next('router'));
      return [failing, router('later', e, ['/a/fail', '/a/leave'])];
    });
    const failed = await supertest(app).get('/a/fail');
    expect([failed.status, failed.text, [...entered]]).to.deep.equal([500, 'error: broken', []]);
    const left = await supertest(app).get('/a/leave');
    expect([left.status, left.text, [...entered]]).to.deep.equal([200, 'later /a/leave', ['later']]);
    expect((await supertest(app).get('/b')).status).to.equal(404);
  });
});
