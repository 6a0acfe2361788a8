import { Router } from 'express';
import { catalogue } from '../catalogue/index.js';
import { publicAccess } from '../http/access.js';
import { nameCounts, presentEntry } from '../search/presenter.js';
import { facetsOf } from '../search/query.js';
import { getSetting } from '../settings/model.js';

export function homeRoutes(): Router {
  const router = Router();
  router.get('/', publicAccess, async (_req, res) => {
    const lng = res.locals.lng as string;
    const [c, demo, synthetic] = await Promise.all([catalogue(), getSetting('demoData'), getSetting('syntheticData')]);
    const all = c.all;
    const facets = c.memo('facets:{}', () => facetsOf(all, c));
    res.render('home/index', {
      latest: all.slice(0, 5).map((e) => presentEntry(e, c, lng)),
      total: all.length,
      figures: { incidents: all.length, countries: facets.countries.length, governments: facets.governments.length, vendors: facets.vendors.length },
      topVendors: nameCounts(facets.vendors, c, lng, 5),
      demo: Boolean(demo || synthetic),
    });
  });
  return router;
}
