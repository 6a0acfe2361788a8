import { Router } from 'express';
import { publicAccess } from '../http/access.js';
import { pingDatabase } from '../db/index.js';
import type { StorageState } from './storage.js';

/**
 * Up when the database answers and a write to DATA_DIR would succeed; no versions, paths or engine
 * details disclosed. A full or read-only disk is a 503: every submission would fail.
 */
export function healthRoutes(engineUp: () => boolean, storage: () => StorageState): Router {
  const router = Router();
  router.get('/healthz', publicAccess, async (_req, res) => {
    const database = engineUp() && (await pingDatabase()) ? 'up' : 'down';
    const disk = storage();
    const ok = database === 'up' && disk === 'ok';
    res.setHeader('Cache-Control', 'no-store');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', database, storage: disk });
  });
  return router;
}
