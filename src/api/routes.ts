import { linkLicence } from '../about/licence.js';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { recordAuditEvent } from '../audit/index.js';
import { catalogue } from '../catalogue/index.js';
import { NO_RESULTS, publishedPer, publishedQueries, verifiedQueries } from '../catalogue/queries.js';
import { Government } from '../governments/model.js';
import { publicAccess } from '../http/access.js';
import { compressResponses } from '../http/compress.js';
import { siteOrigin } from '../http/download.js';
import { HttpError, notFound } from '../http/errors.js';
import { limitApiRequests } from '../http/rate-limit.js';
import { parseQuery } from '../http/validate.js';
import { Product } from '../products/model.js';
import { entriesOf, incidentQuerySchema, PAGE_SIZE, pageOf, queryUrl, resolveFilter } from '../search/query.js';
import { Vendor } from '../vendors/model.js';
import { openApiDocument } from './openapi.js';
import { governmentJson, incidentJson, incidentSummaryJson, productJson, vendorJson } from './presenter.js';
import { authenticateApiToken } from './tokens.js';

const noQuery = z.strictObject({});

/**
 * The read-only JSON API. Without a token: what the public pages show. With a token (a
 * policymaker's or staff member's, `Authorization: Bearer …`): also the verified restricted
 * incidents, marked `visibility: "restricted"`. Every request with a token is audited. Sessions and
 * cookies play no part here: a signed-in browser gets the public answer unless it sends a token.
 */
export function apiRoutes(limits: { anonymous: number; token: number }, cached: { hits: RequestHandler; serve: RequestHandler }): Router {
  const router = Router();
  const baseUrl = (req: Request) => siteOrigin(req);
  const privileged = (res: Response) => Boolean(res.locals.apiTokenId);

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    linkLicence(res);
    const header = req.get('authorization');
    if (!header) return next();
    const match = /^Bearer (\S+)$/.exec(header);
    const found = match ? await authenticateApiToken(match[1]!) : undefined;
    if (!found) return next(new HttpError(401, 'errors.badToken'));
    res.locals.apiTokenId = String(found.token._id);
    await recordAuditEvent({
      actor: { type: 'user', id: found.actor.id, label: `api-token ${found.token.prefix}` },
      action: 'api.request',
      subject: { type: 'api-token', id: String(found.token._id) },
      details: { method: req.method, path: req.path },
    });
    next();
  });
  router.use(limitApiRequests({ windowMs: 60_000, anonymousLimit: limits.anonymous, tokenLimit: limits.token }));
  // Anonymous public reads from the rendered-page cache (http/page-cache.ts), after the rate limit:
  // a kept answer before compression (it holds its compressed copies), one to be made kept after it.
  router.use(cached.hits);
  router.use(compressResponses);
  router.use(cached.serve);

  router.get('/', publicAccess, (req, res) => {
    parseQuery(noQuery, req);
    const base = `${baseUrl(req)}/api/v1`;
    res.json({ openapi: `${base}/openapi.json`, vendors: `${base}/vendors`, products: `${base}/products`, governments: `${base}/governments`, incidents: `${base}/incidents` });
  });

  router.get('/openapi.json', publicAccess, (req, res) => {
    parseQuery(noQuery, req);
    res.json(openApiDocument(`${baseUrl(req)}/api/v1`));
  });

  const slugs = async () => {
    const [vendors, products] = await Promise.all([Vendor.find({}, { slug: 1 }).lean(), Product.find({}, { slug: 1 }).lean()]);
    const map = new Map([...vendors, ...products].map((d) => [String(d._id), d.slug]));
    return (id: unknown) => map.get(String(id)) ?? null;
  };

  router.get('/vendors', publicAccess, async (req, res) => {
    parseQuery(noQuery, req);
    const [c, docs, slugOf, published] = await Promise.all([catalogue(), Vendor.find({}).sort({ name: 1 }).lean(), slugs(), publishedPer('vendors')]);
    res.json({ data: docs.map((v) => vendorJson(v, c, slugOf, published)) });
  });

  router.get('/vendors/:slug', publicAccess, async (req, res) => {
    parseQuery(noQuery, req);
    const vendor = await Vendor.findOne({ slug: String(req.params.slug) }).lean();
    if (!vendor) throw notFound();
    const [c, slugOf, subsidiaries, products, published] = await Promise.all([catalogue(), slugs(), Vendor.find({ parent: vendor._id }, { slug: 1 }).sort({ slug: 1 }).lean(), Product.find({ vendor: vendor._id }, { slug: 1 }).sort({ slug: 1 }).lean(), publishedPer('vendors')]);
    res.json({
      data: {
        ...vendorJson(vendor, c, slugOf, published),
        formerNames: vendor.formerNames.map((f) => ({ name: f.name, from: f.from ? f.from.toISOString().slice(0, 10) : null, to: f.to ? f.to.toISOString().slice(0, 10) : null })),
        website: vendor.website ?? null,
        summary: vendor.summary,
        successor: vendor.successor ? slugOf(vendor.successor) : null,
        subsidiaries: subsidiaries.map((s) => s.slug),
        products: products.map((p) => p.slug),
      },
    });
  });

  router.get('/products', publicAccess, async (req, res) => {
    parseQuery(noQuery, req);
    const [c, docs, slugOf, published] = await Promise.all([catalogue(), Product.find({}).sort({ name: 1 }).lean(), slugs(), publishedPer('products')]);
    res.json({ data: docs.map((p) => productJson(p, c, slugOf, published)) });
  });

  router.get('/products/:slug', publicAccess, async (req, res) => {
    parseQuery(noQuery, req);
    const product = await Product.findOne({ slug: String(req.params.slug) }).lean();
    if (!product) throw notFound();
    const [c, slugOf, published] = await Promise.all([catalogue(), slugs(), publishedPer('products')]);
    res.json({ data: { ...productJson(product, c, slugOf, published), indicators: `${baseUrl(req)}/products/${product.slug}/indicators.stix2`, claims: `${baseUrl(req)}/products/${product.slug}/claims.stix2` } });
  });

  router.get('/governments', publicAccess, async (req, res) => {
    parseQuery(noQuery, req);
    const [c, docs, published] = await Promise.all([catalogue(), Government.find({}).sort({ name: 1 }).lean(), publishedPer('governments')]);
    res.json({ data: docs.map((g) => governmentJson(g, c, published)) });
  });

  router.get('/governments/:slug', publicAccess, async (req, res) => {
    parseQuery(noQuery, req);
    const government = await Government.findOne({ slug: String(req.params.slug) }).lean();
    if (!government) throw notFound();
    const [c, published] = await Promise.all([catalogue(), publishedPer('governments')]);
    res.json({ data: governmentJson(government, c, published) });
  });

  router.get('/incidents', publicAccess, async (req, res) => {
    const q = parseQuery(incidentQuerySchema, req);
    const c = await catalogue();
    const restricted = privileged(res);
    // Made once per version of what it reads (the public entries, and the working set for token holders).
    const body = c.memoAsync(`api:incidents:${JSON.stringify([q, restricted ? c.working.version : -1, baseUrl(req)])}`, async () => {
      const filter = resolveFilter(c, q);
      const found = filter === 'nothing' ? NO_RESULTS : await (restricted ? verifiedQueries : publishedQueries()).page(filter, q, PAGE_SIZE);
      const page = pageOf(found);
      const self = `${baseUrl(req)}/api/v1/incidents`;
      return {
        data: entriesOf(c, found.refs, restricted).map((e) => incidentSummaryJson(e, c, baseUrl(req))),
        meta: { total: page.total, page: page.page, pages: page.pages, first: page.first, last: page.last, includesRestricted: restricted },
        links: { self: queryUrl(self, q, {}), next: page.next ? queryUrl(self, q, { page: undefined, after: page.next }) : null },
      };
    });
    res.json(await body);
  });

  router.get('/incidents/:ref', publicAccess, async (req, res) => {
    parseQuery(noQuery, req);
    const ref = String(req.params.ref);
    const c = await catalogue();
    const entry = entriesOf(c, [ref], privileged(res))[0];
    if (!entry) throw notFound();
    res.json({ data: incidentJson(entry, c, baseUrl(req)) });
  });

  router.use(publicAccess, (_req, _res, next) => next(notFound()));
  return router;
}
