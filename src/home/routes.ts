import { Router } from 'express';
import { publicAccess } from '../http/access.js';
import { presentIncidentRow } from '../incidents/presenter.js';
import { listPublishedIncidents } from '../incidents/service.js';
import { getSetting } from '../settings/model.js';

export function homeRoutes(): Router {
  const router = Router();
  router.get('/', publicAccess, async (_req, res) => {
    const [{ incidents, total }, demo, synthetic] = await Promise.all([
      listPublishedIncidents(1),
      getSetting('demoData'),
      getSetting('syntheticData'),
    ]);
    res.render('home/index', {
      latest: incidents.slice(0, 5).map((i) => presentIncidentRow(i, res.locals.lng as string)),
      total,
      demo: Boolean(demo || synthetic),
    });
  });
  return router;
}
