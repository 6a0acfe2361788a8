import { Router } from 'express';
import { z } from 'zod';
import { catalogue } from '../catalogue/index.js';
import { countryName } from '../countries/index.js';
import { publicAccess } from '../http/access.js';
import { notFound } from '../http/errors.js';
import { weakEntityTag } from '../http/page-cache.js';
import { i18next, resolvedLanguage } from '../i18n/index.js';
import { barChart, columnChart } from './bars.js';
import { choropleth } from './map.js';
import { countedIn, operatorCountries, scopeFilter, scopeOperators } from './stats.js';

const params = z.strictObject({
  scope: z.enum(['global', 'vendor', 'product', 'government']),
  id: z.string().regex(/^[a-z0-9-]{1,80}$/),
  kind: z.enum(['years', 'categories', 'targets-map', 'operators-map']),
});

const cache = new Map<string, { svg: string; etag: string }>();
/** The width of a phone's bar chart, in its own units: about its width on the screen, so 16 units of text are 16 px. */
const NARROW = 360;

/**
 * Charts as SVG images, drawn on the server from the published incidents only. Pages that show a
 * chart also show its figures as text (a table or list), so nothing depends on seeing the image.
 */
export function chartRoutes(): Router {
  const router = Router();
  router.get('/charts/:scope/:id/:kind.svg', publicAccess, async (req, res) => {
    const parsed = params.safeParse(req.params);
    if (!parsed.success) throw notFound();
    const { scope, id, kind } = parsed.data;
    const lng = resolvedLanguage(typeof req.query.lng === 'string' ? req.query.lng : undefined);
    // `size=narrow`: the phone's version (pages offer it through <picture> below 40rem): larger texts.
    const narrow = req.query.size === 'narrow';
    const c = await catalogue();
    const key = `${scope}|${id}|${kind}|${lng}|${narrow}|${c.version}`;
    let chart = cache.get(key);
    if (!chart) {
      let svg: string;
      const filter = scopeFilter(c, scope, id);
      if (!filter) throw notFound();
      const counted = await countedIn(c, filter);
      const t = i18next.getFixedT(lng);
      const rtl = lng === 'ar';
      if (kind === 'years') {
        // On a vendor's chart, the years of the official actions naming it (listings/model.ts).
        const entity = scope === 'vendor' ? c.entities.bySlug('vendor', id) : undefined;
        const byYear = new Map<string, string[]>();
        for (const a of entity ? c.entities.actionsOf(entity.id) : []) {
          if (!a.date) continue;
          const year = a.date.slice(0, 4);
          byYear.set(year, [...(byYear.get(year) ?? []), t(`listings.regimeShort.${a.regime}`)]);
        }
        const marks = [...byYear].map(([label, texts]) => ({ label, text: [...new Set(texts)].join(' · ') }));
        svg = columnChart(counted.years.map((y) => ({ label: String(y.year), value: y.n })), { title: t('charts.perYear'), rtl, marks, ...(narrow ? { width: NARROW, height: 240 } : {}) });
      } else if (kind === 'categories') {
        svg = barChart(counted.categories.map(({ key, n }) => ({ label: t(`targetCategories.${key}`), value: n })), { title: t('charts.categories'), rtl, ...(narrow ? { width: NARROW } : {}) });
      } else {
        const counts = kind === 'targets-map' ? new Map(counted.countries.map(({ key, n }) => [key, n])) : operatorCountries(c, c.select(filter), scopeOperators(c, scope, id));
        svg = choropleth(counts, {
          title: `${t(kind === 'targets-map' ? 'charts.targetsMapCaption' : 'charts.operatorsMapCaption')} ${[...counts].map(([k, n]) => `${countryName(k, lng)}: ${n}`).join(', ')}`,
          legend: [t('charts.fewer'), t('charts.more')],
          dotLabel: t('charts.smallState'),
          rtl,
          narrow,
        });
      }
      if (cache.size > 2_000) cache.clear();
      chart = { svg, etag: weakEntityTag(svg) };
      cache.set(key, chart);
    }
    res.setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
    res.setHeader('Content-Security-Policy', "default-src 'none'");
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('ETag', chart.etag);
    res.send(chart.svg);
  });
  return router;
}
