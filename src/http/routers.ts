import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';

/**
 * The site's routers as one handler that enters, for a request, only the routers with a route under
 * its path's first segment (`/review`, `/reports/R-…`), in the order given. Mounted one after another,
 * each router was entered by every request that passed it: a signed-in page went through a dozen
 * routers and their hundred-odd route patterns before its own (a fifth of its time went to routing).
 *
 * What a router serves is read from its routes (`router.stack`); a router with a route whose first
 * segment is not plain text (a parameter, a pattern), or with middleware of its own, is entered for
 * every path. Routes that could answer a request are tried in the same order as before, so which one
 * answers does not change; `next(err)` leaves for the error handlers, as from a mounted router.
 * Express matches paths without regard to case, and so does this.
 */
export function routersByFirstSegment(routers: Router[]): RequestHandler {
  const served = routers.map(firstSegmentsOf);
  const enters = (i: number, segment: string) => served[i] === 'any' || (served[i] as Set<string>).has(segment);
  const segments = new Set(served.flatMap((s) => (s === 'any' ? [] : [...s])));
  const chains = new Map([...segments].map((segment) => [segment, routers.filter((_, i) => enters(i, segment))]));
  const forEveryPath = routers.filter((_, i) => served[i] === 'any');
  const handler: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const chain = chains.get(firstSegment(req.path)) ?? forEveryPath;
    let i = 0;
    const step = (err?: unknown): void => {
      if (err) return next(err);
      const router = chain[i++];
      if (!router) return next();
      router(req, res, step);
    };
    step();
  };
  // The routers behind it, as a mounted router lists its layers: whoever walks the app's routes (the
  // test that every route says who may use it) finds every one of them.
  return Object.assign(handler, { stack: routers.map((router) => ({ handle: router })) });
}

/** '/reports/R-2026-00001' → 'reports'; '/' → ''. */
function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return (end === -1 ? path.slice(1) : path.slice(1, end)).toLowerCase();
}

/** The first segments a router's routes are under, or 'any' when that cannot be told from their paths. */
function firstSegmentsOf(router: Router): Set<string> | 'any' {
  const segments = new Set<string>();
  for (const layer of router.stack as { route?: { path?: unknown } }[]) {
    const path = layer.route?.path;
    if (typeof path !== 'string') return 'any';
    const segment = firstSegment(path);
    if (/[^a-z0-9._~-]/.test(segment)) return 'any';
    segments.add(segment);
  }
  return segments;
}
