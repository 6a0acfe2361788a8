import { Router } from 'express';
import { catalogue } from '../catalogue/index.js';
import { publicAccess } from '../http/access.js';
import { nameCounts, presentEntry } from '../search/presenter.js';
import { entriesOf } from '../search/query.js';
import { publishedQueries } from '../catalogue/queries.js';
import { getSetting } from '../settings/model.js';

export function homeRoutes(): Router {
  const router = Router();
  router.get('/', publicAccess, async (_req, res) => {
    const lng = res.locals.lng as string;
    const [c, latest, facets, demo, synthetic] = await Promise.all([catalogue(), publishedQueries().page({}, {}, 5), publishedQueries().facets({}), getSetting('demoData'), getSetting('syntheticData')]);
    res.render('home/index', {
      latest: entriesOf(c, latest.refs).map((e) => presentEntry(e, c, lng)),
      total: latest.total,
      figures: { incidents: latest.total, countries: facets.countries.length, governments: facets.governments.length, vendors: facets.vendors.length },
      topVendors: nameCounts(facets.vendors, c, lng, 5),
      demo: Boolean(demo || synthetic),
    });
  });
  return router;
}
