import { Router } from 'express';
import { publicAccess } from '../http/access.js';
import { pingDatabase } from '../db/index.js';

/** Up and able to reach its database; no versions or engine details disclosed. */
export function healthRoutes(engineUp: () => boolean): Router {
  const router = Router();
  router.get('/healthz', publicAccess, async (_req, res) => {
    const database = engineUp() && (await pingDatabase()) ? 'up' : 'down';
    res.setHeader('Cache-Control', 'no-store');
    res.status(database === 'up' ? 200 : 503).json({ status: database === 'up' ? 'ok' : 'degraded', database });
  });
  return router;
}
