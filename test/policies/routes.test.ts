import { expect } from 'chai';
import { ACCESS } from '../../src/http/access.js';
import { closeApps, makeApp } from '../helpers/app.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: { handle: Record<symbol, unknown> }[] };
  handle: { stack?: Layer[] };
}

/** Every route's first handler must say how it is accessed: public, or authorized by a policy. */
function routesOf(stack: Layer[]): { path: string; methods: string; access: unknown }[] {
  const out: { path: string; methods: string; access: unknown }[] = [];
  for (const layer of stack) {
    if (layer.route) {
      out.push({ path: layer.route.path, methods: Object.keys(layer.route.methods).join(','), access: layer.route.stack[0]?.handle[ACCESS] });
    } else if (layer.handle.stack) {
      out.push(...routesOf(layer.handle.stack));
    }
  }
  return out;
}

describe('route access', () => {
  afterEach(closeApps);

  it('when the router is walked, then every route is either public or authorized', () => {
    const { app } = makeApp();
    const routes = routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(routes.length).to.be.greaterThan(10);
    // Routes of routers mounted in every way the app mounts them (behind routersByFirstSegment too).
    for (const path of ['/healthz', '/openapi.json', '/', '/review', '/reports/:ref', '/incidents/:ref/edit', '/admin/users', '/admin/vendors/:slug']) {
      expect(routes.map((r) => r.path), path).to.include(path);
    }
    const unmarked = routes.filter((r) => typeof r.access !== 'string');
    expect(unmarked, `routes without an access decision: ${JSON.stringify(unmarked)}`).to.deep.equal([]);
    const admin = routes.filter((r) => r.path.startsWith('/admin'));
    expect(admin.every((r) => String(r.access).startsWith('authorize:'))).to.equal(true);
  });
});
