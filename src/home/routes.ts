import { Router } from 'express';
import { publicAccess } from '../http/access.js';

export function homeRoutes(): Router {
  const router = Router();
  router.get('/', publicAccess, (_req, res) => {
    res.render('home/index');
  });
  return router;
}
