import { Router, type Request, type Response } from 'express';
import { catalogue, type Catalogue, type ResolvedFilter } from '../catalogue/index.js';
import type { Entry } from '../catalogue/entry.js';
import { countryName, countryOptions } from '../countries/index.js';
import { TARGET_CATEGORIES } from '../facts/model.js';
import { publicAccess } from '../http/access.js';
import { siteOrigin, streamCsv } from '../http/download.js';
import { weakEntityTag } from '../http/page-cache.js';
import { parseQuery } from '../http/validate.js';
import { displayName } from '../reference/presenter.js';
import { REGIMES } from '../vendors/model.js';
import { isFinding, operatedBy, subjectOf, type StoredClaim } from '../incidents/claims.js';
import { countryCounts, nameCounts, presentEntry } from './presenter.js';
import { atomFeed } from './feed.js';
import { linkLicence } from '../about/licence.js';
import { facetsOfEntries, NO_RESULTS, publishedQueries } from '../catalogue/queries.js';
import { entriesOf, FILTER_KEYS, incidentQuerySchema, neutraliseCell, PAGE_SIZE, pageOf, queryUrl, resolveFilter, type IncidentQuery } from './query.js';

/** A list's query, checked (a bad one is a 400 before anything is sent), and the filter it resolves to. */
async function chosen(req: Request): Promise<{ q: IncidentQuery; c: Catalogue; filter: ResolvedFilter | 'nothing' }> {
  const q = parseQuery(incidentQuerySchema, req);
  const c = await catalogue();
  return { q, c, filter: resolveFilter(c, q) };
}

/**
 * The entries of every incident a list's query matches, newest first, as the read model gives their
 * references: what a CSV streams. The query is checked before (a bad one is a 400, not a broken file).
 */
async function matching(req: Request): Promise<AsyncIterable<Entry[]>> {
  const { c, filter } = await chosen(req);
  return (async function* () {
    if (filter === 'nothing') return;
    for await (const refs of publishedQueries().refs(filter)) yield entriesOf(c, refs);
  })();
}

/** What a filter chose, in the page's language (not the slug or code in the URL): the chips on /incidents, a feed's title. */
function filterLabel(c: Catalogue, key: string, value: string, lng: string, t: (key: string) => string): string {
  if (key === 'vendor' || key === 'product' || key === 'government') {
    const entity = c.entities.bySlug(key, value);
    return entity ? displayName(entity, lng) : value;
  }
  if (key === 'country') return countryName(value, lng);
  if (key === 'target') return t(`targetCategories.${value}`);
  if (key === 'confidence') return t(`confidence.${value}`);
  if (key === 'listing') return value === 'listed' ? t('browse.listedAnywhere') : value === 'not-listed' ? t('browse.notListed') : t(`regimes.${value}`);
  return value;
}

export function searchRoutes(): Router {
  const router = Router();

  router.get('/incidents', publicAccess, async (req: Request, res: Response) => {
    const { q, c, filter } = await chosen(req);
    const lng = res.locals.lng as string;
    const [found, facets] = filter === 'nothing' ? [NO_RESULTS, facetsOfEntries([], c.entities)] : await Promise.all([publishedQueries().page(filter, q, PAGE_SIZE), publishedQueries().facets(filter)]);
    const page = pageOf(found);
    const active = FILTER_KEYS.filter((k) => q[k] !== undefined && q[k] !== '');
    res.render('incidents/index', {
      q,
      // Made once per query, page and language for this version of the catalogue (signed-in readers are not served the cached page).
      rows: c.memo(`rows:${lng}:${JSON.stringify(q)}`, () => entriesOf(c, found.refs).map((e) => presentEntry(e, c, lng))),
      page,
      facets: {
        vendors: nameCounts(facets.vendors, c, lng),
        products: nameCounts(facets.products, c, lng),
        governments: nameCounts(facets.governments, c, lng),
        countries: countryCounts(facets.countries, lng, 12),
        categories: facets.categories,
        years: facets.years,
        confidence: facets.confidence,
        listing: facets.listing,
      },
      options: { vendors: c.entities.options('vendor', lng), products: c.entities.options('product', lng), governments: c.entities.options('government', lng), countries: countryOptions(lng), categories: TARGET_CATEGORIES, regimes: REGIMES },
      active: active.map((k) => ({ key: k, value: filterLabel(c, k, String(q[k]), lng, req.t), removeUrl: queryUrl('/incidents', q, { [k]: undefined, page: undefined, after: undefined }) })),
      url: (changes: Record<string, string | number | undefined>) => queryUrl('/incidents', q, { page: undefined, after: undefined, ...changes }),
      csvUrl: queryUrl('/incidents.csv', q, { page: undefined, after: undefined, sort: undefined }),
      feedUrl: queryUrl('/incidents.atom', q, { page: undefined, after: undefined, sort: undefined }),
      claimsCsvUrl: queryUrl('/claims.csv', q, { page: undefined, after: undefined, sort: undefined }),
      dossierUrl: `/dossiers?filter=${encodeURIComponent(queryUrl('', q, { page: undefined, after: undefined, sort: undefined }).replace(/^\?/, ''))}`,
    });
  });

  // Atom feed of the newest verified incidents of the same selection (vendor, country, search …).
  router.get('/incidents.atom', publicAccess, async (req, res) => {
    const { q, c, filter } = await chosen(req);
    const entries = filter === 'nothing' ? [] : c.select(filter);
    const lng = res.locals.lng as string;
    const query = new URL(req.originalUrl, 'http://x').search;
    const active = FILTER_KEYS.filter((k) => q[k] !== undefined && q[k] !== '').map((k) => filterLabel(c, k, String(q[k]), lng, req.t));
    const title = [req.t('site.name'), req.t('feed.title'), ...active].join(' · ');
    linkLicence(res);
    res.setHeader('Content-Type', 'application/atom+xml; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    const feed = atomFeed(c, entries, { base: siteOrigin(req), selfPath: `/incidents.atom${query}`, htmlPath: `/incidents${query}`, title, lng, labels: { dates: req.t('reports.dates'), countries: req.t('incidents.countries'), named: req.t('feed.named') } });
    res.setHeader('ETag', weakEntityTag(feed));
    res.send(feed);
  });

  router.get('/incidents.csv', publicAccess, async (req, res) => {
    const entries = await matching(req);
    const c = await catalogue();
    const lng = res.locals.lng as string;
    const base = siteOrigin(req);
    // products, vendors and operators: named by findings; leads: named only by low-confidence claims.
    // Which claim says what, with its confidence: /claims.csv.
    const header = ['ref', 'title', 'date_from', 'date_to', 'countries', 'target_categories', 'products', 'vendors', 'operators', 'leads', 'url'];
    const row = (e: Entry) => {
        const p = presentEntry(e, c, lng);
        return [
          p.ref,
          p.title,
          p.from,
          p.to,
          p.countries.map((x) => x.code).join(';'),
          p.categories.join(';'),
          p.products.map((x) => x.name).join(';'),
          p.vendors.map((x) => x.name).join(';'),
          p.operators.map((x) => x.name).join(';'),
          p.leads.map((x) => x.name).join(';'),
          `${base}/incidents/${p.ref}`,
        ].map((cell) => neutraliseCell(cell ?? ''));
    };
    async function* rows() {
      for await (const batch of entries) yield batch.map(row);
    }
    linkLicence(res);
    await streamCsv(res, 'incidents.csv', header, rows());
  });

  // One row per attribution claim of the same incidents (same filters as /incidents.csv).
  router.get('/claims.csv', publicAccess, async (req, res) => {
    const entries = await matching(req);
    const c = await catalogue();
    const lng = res.locals.lng as string;
    const nameOf = (id: string | undefined) => {
      const entity = id ? c.entities.byId.get(id) : undefined;
      return entity ? displayName(entity, lng) : '';
    };
    const header = ['incident', 'kind', 'product', 'vendor', 'operator', 'agency', 'confidence', 'finding_or_lead', 'basis', 'sources'];
    const claimRows = (e: Entry) => {
        const doc = e.doc as { attributions: (StoredClaim & { basis: string; sources: number[] })[]; sources: { url?: string; title: string }[] };
        return doc.attributions.map((a) => {
          const operated = operatedBy(a);
          const product = a.kind === 'product' ? subjectOf(a) : operated.product;
          const vendor = a.kind === 'vendor' ? subjectOf(a) : operated.vendor ?? (product ? e.productVendors[product] : undefined);
          return [
            e.ref,
            a.kind === 'government' ? 'operator' : a.kind,
            nameOf(product),
            nameOf(vendor),
            a.kind === 'government' ? nameOf(subjectOf(a)) : '',
            a.agency ?? '',
            a.confidence,
            isFinding(a.confidence) ? 'finding' : 'lead',
            a.basis,
            a.sources.map((n) => doc.sources[n]?.url || doc.sources[n]?.title || '').filter(Boolean).join(' ; '),
          ].map((cell) => neutraliseCell(cell));
        });
    };
    async function* rows() {
      for await (const batch of entries) yield batch.flatMap(claimRows);
    }
    linkLicence(res);
    await streamCsv(res, 'claims.csv', header, rows());
  });

  return router;
}
