import { Router } from 'express';
import { publicAccess } from '../http/access.js';
import { CONFIDENCE_LEVELS } from '../incidents/model.js';
import { CHECKLIST_ITEMS } from '../verification/model.js';

export function methodologyRoutes(): Router {
  const router = Router();
  router.get('/methodology', publicAccess, (_req, res) => {
    res.render('methodology/index', { confidences: CONFIDENCE_LEVELS, checklistItems: CHECKLIST_ITEMS });
  });
  return router;
}
