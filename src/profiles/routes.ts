import { Router, type Request, type Response } from 'express';
import { textIn } from '../i18n/texts.js';
import { z } from 'zod';
import { catalogue } from '../catalogue/index.js';
import { countedIn, NOTHING_COUNTED, scopeFilter, scopeIds } from '../charts/stats.js';
import { NO_RESULTS, publishedPer, publishedQueries } from '../catalogue/queries.js';
import { countryName, countryOptions } from '../countries/index.js';
import { Government } from '../governments/model.js';
import { publicAccess } from '../http/access.js';
import { notFound } from '../http/errors.js';
import { parseQuery } from '../http/validate.js';
import { Product } from '../products/model.js';
import { displayName, isoDay } from '../reference/presenter.js';
import { findBySlug } from '../reference/slugs.js';
import { presentEntry } from '../search/presenter.js';
import { entriesOf, PAGE_SIZE, pageOf, queryUrl } from '../search/query.js';
import { REGIMES, Vendor } from '../vendors/model.js';
import { mvtIndicators } from '../stix/service.js';
import { beforeAfter, DOCKET_REGIMES } from '../listings/docket.js';
import { presentAction } from '../listings/presenter.js';
import { attributedWith, evidenceSummary, leadsOf } from './summary.js';
import { linkedOperations, scopeOperators } from '../charts/stats.js';
import type { Entry } from '../catalogue/entry.js';

const profileQuery = z.strictObject({
  sort: z.enum(['newest', 'oldest']).optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional(),
  after: z.string().regex(/^\d+_[0-9a-f]{24}$/).optional(),
});

const vendorIndexQuery = z.strictObject({
  sort: z.enum(['incidents', 'name']).optional(),
  listing: z.union([z.enum(['listed', 'not-listed']), z.enum(REGIMES)]).optional(),
  country: z.string().toUpperCase().regex(/^[A-Z]{2}$/).optional(),
});

function lngOf(res: Response): string {
  return res.locals.lng as string;
}

/** The incidents table of a profile: paged and ordered like /incidents, links kept on this page. */
async function incidentsSection(req: Request, res: Response, scope: 'vendor' | 'product' | 'government', slug: string) {
  const q = parseQuery(profileQuery, req);
  const c = await catalogue();
  const filter = scopeFilter(c, scope, slug);
  const entries = (filter && c.select(filter)) ?? [];
  const found = filter ? await publishedQueries().page(filter, q, PAGE_SIZE) : NO_RESULTS;
  return {
    c,
    entries,
    counted: filter ? await countedIn(c, filter) : NOTHING_COUNTED,
    table: {
      rows: entriesOf(c, found.refs).map((e) => presentEntry(e, c, lngOf(res))),
      page: pageOf(found),
      sort: q.sort ?? 'newest',
      url: (changes: Record<string, string | number | undefined>) => queryUrl(`/${scope}s/${slug}`, q, { page: undefined, after: undefined, ...changes }),
      browseUrl: `/incidents?${scope}=${slug}`,
      slug,
    },
  };
}

/**
 * The record behind a profile address: 404 if there is none, and a 301 to the current address when
 * the slug is one the record had before (then undefined is returned and the response is sent).
 */
async function profileRecord<D extends { slug: string }>(model: unknown, scope: 'vendor' | 'product' | 'government', req: Request, res: Response): Promise<D | undefined> {
  const found = await findBySlug(model as never, String(req.params.slug));
  if (!found) throw notFound();
  const doc = found.doc as unknown as D;
  if (found.redirect) {
    res.redirect(301, `/${scope}s/${doc.slug}`);
    return undefined;
  }
  return doc;
}

export function profileRoutes(): Router {
  const router = Router();

  router.get('/vendors', publicAccess, async (req, res) => {
    const q = parseQuery(vendorIndexQuery, req);
    const [c, incidents] = await Promise.all([catalogue(), publishedPer('vendors')]);
    const lng = lngOf(res);
    let vendors = [...c.entities.byId.values()].filter((e) => e.kind === 'vendor');
    if (q.country) vendors = vendors.filter((v) => v.country === q.country);
    if (q.listing === 'listed') vendors = vendors.filter((v) => v.listings.some((l) => l.status === 'listed'));
    else if (q.listing === 'not-listed') vendors = vendors.filter((v) => !v.listings.some((l) => l.status === 'listed'));
    else if (q.listing) vendors = vendors.filter((v) => v.listings.some((l) => l.status === 'listed' && l.regime === q.listing));
    const rows = vendors.map((v) => ({
      slug: v.slug,
      name: displayName(v, lng),
      country: v.country ? countryName(v.country, lng) : '',
      incidents: incidents.get(v.id) ?? 0,
      listed: [...new Set(v.listings.filter((l) => l.status === 'listed').map((l) => l.regime))],
    }));
    rows.sort((a, b) => (q.sort === 'name' ? a.name.localeCompare(b.name, lng) : b.incidents - a.incidents || a.name.localeCompare(b.name, lng)));
    const countries = [...new Set(vendors.map((v) => v.country).filter(Boolean))];
    res.render('profiles/vendors', { rows, q, regimes: REGIMES, countries: countryOptions(lng).filter((o) => countries.includes(o.code) || o.code === q.country) });
  });

  router.get('/governments', publicAccess, async (_req, res) => {
    const [c, incidents] = await Promise.all([catalogue(), publishedPer('governments')]);
    const lng = lngOf(res);
    const rows = [...c.entities.byId.values()]
      .filter((e) => e.kind === 'government')
      .map((g) => ({ slug: g.slug, name: displayName(g, lng), country: g.country ? countryName(g.country, lng) : '', incidents: incidents.get(g.id) ?? 0 }))
      .sort((a, b) => b.incidents - a.incidents || a.name.localeCompare(b.name, lng));
    res.render('profiles/governments', { rows });
  });

  router.get('/vendors/:slug', publicAccess, async (req, res) => {
    const vendor = await profileRecord<InstanceType<typeof Vendor>>(Vendor, 'vendor', req, res);
    if (!vendor) return;
    const lng = lngOf(res);
    const { c, entries, counted, table } = await incidentsSection(req, res, 'vendor', vendor.slug);
    const [parent, subsidiaries, products, successor, predecessors] = await Promise.all([
      vendor.parent ? Vendor.findById(vendor.parent).lean() : null,
      Vendor.find({ parent: vendor._id }).sort({ name: 1 }).lean(),
      Product.find({ vendor: vendor._id }).sort({ name: 1 }).lean(),
      vendor.successor ? Vendor.findById(vendor.successor).lean() : null,
      Vendor.find({ successor: vendor._id }).sort({ name: 1 }).lean(),
    ]);
    res.render('profiles/vendor', {
      vendor: {
        slug: vendor.slug,
        name: displayName(vendor, lng),
        otherName: lng === 'ar' ? vendor.name : vendor.nameAr,
        aliases: vendor.aliases,
        formerNames: vendor.formerNames.map((f) => ({ name: f.name, from: isoDay(f.from), to: isoDay(f.to) })),
        country: vendor.hqCountry ? countryName(vendor.hqCountry, lng) : '',
        website: vendor.website ?? '',
        about: textIn({ en: vendor.summary, ar: vendor.summaryAr ?? '' }, lng),
        listings: c.entities.listingsOf(vendor.id),
        actions: c.entities.actionsOf(vendor.id).map((a) => presentAction(c, a, lng === 'ar' ? 'ar' : 'en')),
        parent: parent ? { slug: parent.slug, name: displayName(parent, lng) } : undefined,
        subsidiaries: subsidiaries.map((s) => ({ slug: s.slug, name: displayName(s, lng) })),
        successor: successor ? { slug: successor.slug, name: displayName(successor, lng) } : undefined,
        predecessors: predecessors.map((s) => ({ slug: s.slug, name: displayName(s, lng) })),
        products: products.map((p) => ({ slug: p.slug, name: displayName(p, lng), category: p.category })),
      },
      summary: c.memo(`summary:vendor:${vendor.slug}:${lng}`, () => evidenceSummary(c, entries, lng, scopeOperators(c, 'vendor', vendor.slug), counted)),
      leads: c.memo(`leads:vendor:${vendor.slug}:${lng}`, () => leadsOf(c, scopeIds(c, 'vendor', vendor.slug), lng)),
      table,
      feedUrl: table.browseUrl.replace('/incidents?', '/incidents.atom?'),
      beforeAfter: beforeAfter(c, vendor.id, vendor.slug),
      docketRegimes: DOCKET_REGIMES,
      scope: 'vendor',
    });
  });

  router.get('/products/:slug', publicAccess, async (req, res) => {
    const product = await profileRecord<InstanceType<typeof Product>>(Product, 'product', req, res);
    if (!product) return;
    const lng = lngOf(res);
    const { c, entries, counted, table } = await incidentsSection(req, res, 'product', product.slug);
    const [vendor, mvt] = await Promise.all([product.vendor ? Vendor.findById(product.vendor).lean() : null, mvtIndicators(product)]);
    res.render('profiles/product', {
      product: {
        slug: product.slug,
        name: displayName(product, lng),
        otherName: lng === 'ar' ? product.name : product.nameAr,
        aliases: product.aliases,
        category: product.category,
        about: textIn({ en: product.description, ar: product.descriptionAr ?? '' }, lng),
        vendor: vendor ? { slug: vendor.slug, name: displayName(vendor, lng), listed: c.entities.listingsOf(String(vendor._id)).filter((l) => l.status === 'listed').map((l) => l.regime) } : undefined,
        // Earlier vendors (the corporate graph over time), from the entity index.
        formerVendors: (product.formerVendors ?? [])
          .map((f) => ({ entity: c.entities.byId.get(String(f.vendor)), until: isoDay(f.until) }))
          .filter((f) => f.entity)
          .map((f) => ({ slug: f.entity!.slug, name: displayName(f.entity!, lng), until: f.until })),
        // The MVT file holds what MVT reads correctly; the page says what was left out, and why.
        indicators: mvt.total,
        mvtIncluded: mvt.indicators.length,
        mvtLeftOut: Object.entries(mvt.leftOut).map(([reason, n]) => ({ reason, n })),
      },
      summary: c.memo(`summary:product:${product.slug}:${lng}`, () => evidenceSummary(c, entries, lng, scopeOperators(c, 'product', product.slug), counted)),
      operators: c.memo(`with:product:${product.slug}:${lng}`, () =>
        attributedWith(c, entries, (e) => linkedOperations(c, 'product', String(product._id))(e).map((o) => ({ id: o.government, confidence: o.confidence })), lng),
      ),
      leads: c.memo(`leads:product:${product.slug}:${lng}`, () => leadsOf(c, scopeIds(c, 'product', product.slug), lng)),
      table,
      feedUrl: table.browseUrl.replace('/incidents?', '/incidents.atom?'),
      scope: 'product',
    });
  });

  router.get('/governments/:slug', publicAccess, async (req, res) => {
    const government = await profileRecord<InstanceType<typeof Government>>(Government, 'government', req, res);
    if (!government) return;
    const lng = lngOf(res);
    const { c, entries, counted, table } = await incidentsSection(req, res, 'government', government.slug);
    // What this government's operator findings name: never a product or vendor the incident links to another operator.
    const operated = (e: Entry, what: 'vendor' | 'product') =>
      e.operations.filter((o) => o.finding && o.government === String(government._id) && o[what]).map((o) => ({ id: o[what]!, confidence: o.confidence }));
    res.render('profiles/government', {
      government: {
        slug: government.slug,
        name: displayName(government, lng),
        otherName: lng === 'ar' ? government.name : government.nameAr,
        country: countryName(government.country, lng),
        agencies: government.agencies.map((a) => ({ name: a.name, kind: a.kind })),
        about: textIn({ en: government.summary ?? '', ar: government.summaryAr ?? '' }, lng),
      },
      summary: c.memo(`summary:government:${government.slug}:${lng}`, () => evidenceSummary(c, entries, lng, scopeOperators(c, 'government', government.slug), counted)),
      vendors: c.memo(`with:government-vendors:${government.slug}:${lng}`, () => attributedWith(c, entries, (e) => operated(e, 'vendor'), lng)),
      products: c.memo(`with:government-products:${government.slug}:${lng}`, () => attributedWith(c, entries, (e) => operated(e, 'product'), lng)),
      leads: c.memo(`leads:government:${government.slug}:${lng}`, () => leadsOf(c, scopeIds(c, 'government', government.slug), lng)),
      table,
      feedUrl: table.browseUrl.replace('/incidents?', '/incidents.atom?'),
      scope: 'government',
    });
  });

  return router;
}
