import { Router, type Request, type Response } from 'express';
import { userActor } from '../audit/index.js';
import { multipartWithFiles, sameOriginOnly, uploadedFiles } from '../http/upload.js';
import { authorize, publicAccess } from '../http/access.js';
import { contentDisposition, siteOrigin } from '../http/download.js';
import { catalogue } from '../catalogue/index.js';
import { safeValues } from '../http/forms.js';
import { HttpError, notFound } from '../http/errors.js';
import { resultOf, submitOnce } from '../http/once.js';
import { FormValidationError, formObject, parseForm, requiredText, text } from '../http/validate.js';
import { Product, type ProductDocument } from '../products/model.js';
import { findBySlug } from '../reference/slugs.js';
import { productClaimsBundle } from './claims.js';
import { ChooseMalware, importHistory, importIndicators, productBundle, productIndicators } from './service.js';

const importSchema = formObject({ source: requiredText(400), licence: requiredText(200), malware: text(200).default('') });

/** The 1,549-indicator Pegasus bundle is 1.1 MB; 20 MB leaves room and still bounds memory. */
const MAX_BUNDLE_BYTES = 20 * 1024 * 1024;

async function productOf(req: Request): Promise<ProductDocument> {
  const found = await findBySlug(Product as never, String(req.params.slug));
  if (!found) throw notFound();
  return found.doc as unknown as ProductDocument;
}

async function importPage(res: Response, product: ProductDocument, extra: Record<string, unknown> = {}) {
  const [indicators, history] = await Promise.all([productIndicators(product._id), importHistory(product._id)]);
  const byType = new Map<string, number>();
  for (const i of indicators) byType.set(i.type, (byType.get(i.type) ?? 0) + 1);
  res.render('stix/import', {
    product: { slug: product.slug, name: product.name },
    total: indicators.length,
    byType: [...byType.entries()].map(([type, n]) => ({ type, n })),
    history: history.map((h) => ({
      at: h.at.toISOString().slice(0, 16).replace('T', ' '),
      fileName: h.fileName,
      sha256: h.sha256,
      source: h.source,
      licence: h.licence,
      indicators: h.indicators + h.notUnderstood.length + h.withheld.length,
      added: h.added,
      alreadyPresent: h.alreadyPresent,
      notUnderstood: h.notUnderstood.map((n) => ({ pattern: n.pattern ?? '', reason: n.reason ?? '' })),
      withheld: h.withheld.map((n) => ({ pattern: n.pattern ?? '', reason: n.reason ?? '' })),
      warnings: (h.warnings ?? []).map((w) => ({ kind: w.kind ?? '', detail: w.detail ?? '' })),
      objects: h.objects ?? 0,
      malwareChosen: h.malwareChosen ?? '',
      forOtherMalware: h.forOtherMalware ?? 0,
    })),
    values: {},
    errors: {},
    ...extra,
  });
}

export function stixRoutes(): Router {
  const router = Router();
  const parseUpload = multipartWithFiles({ maxFileBytes: MAX_BUNDLE_BYTES, maxFiles: 1 }, 5);

  // MVT-compatible indicators of a product: what `mvt-ios check-backup --iocs FILE` loads.
  router.get('/products/:slug/indicators.stix2', publicAccess, async (req, res) => {
    const product = await productOf(req);
    const bundle = await productBundle(product);
    res.setHeader('Content-Type', 'application/stix+json;version=2.1');
    res.setHeader('Content-Disposition', contentDisposition(`${product.slug}.stix2`));
    res.send(JSON.stringify(bundle, null, 1));
  });

  // Everything this site claims about a product, as STIX 2.1: sightings, operator relationships with
  // their confidence, the vendor, the indicators (stix/claims.ts). Not for MVT (its loader reads indicators only).
  router.get('/products/:slug/claims.stix2', publicAccess, async (req, res) => {
    const product = await productOf(req);
    const bundle = await productClaimsBundle(product, await catalogue(), siteOrigin(req));
    res.setHeader('Content-Type', 'application/stix+json;version=2.1');
    res.setHeader('Content-Disposition', contentDisposition(`${product.slug}-claims.stix2`));
    res.send(JSON.stringify(bundle, null, 1));
  });

  router.get('/admin/products/:slug/indicators', authorize('indicators.import'), async (req, res) => {
    await importPage(res, await productOf(req));
  });

  router.post('/admin/products/:slug/indicators', authorize('indicators.import'), sameOriginOnly, parseUpload, async (req, res) => {
    const product = await productOf(req);
    if (!req.is('multipart/form-data')) throw new HttpError(400, 'evidence.badUpload');
    const values = safeValues(req.body);
    try {
      // Imported once per form (Post/Redirect/Get): its result is a GET page that can be reloaded.
      await submitOnce(req, res, async (key) => {
        const form = parseForm(importSchema, req.body);
        const [file] = uploadedFiles(req);
        if (!file) throw new FormValidationError({ file: 'stix.noFile' });
        const record = await importIndicators({ actor: userActor(req.user!), product, file, source: form.source, licence: form.licence, malware: form.malware });
        const result = { added: record.added, alreadyPresent: record.alreadyPresent, notUnderstood: record.notUnderstood.length, withheld: record.withheld.length, indicators: record.indicators + record.notUnderstood.length + record.withheld.length };
        return { to: `/admin/products/${product.slug}/indicators/done/${key}`, page: result };
      });
    } catch (err) {
      // CASE: the page needs its own data beside the errors, so it is not submitForm's bare re-render.
      if (!(err instanceof FormValidationError)) throw err;
      await importPage(res.status(422), product, { values, errors: err.fieldErrors, ...(err instanceof ChooseMalware ? { malwareChoices: err.choices } : {}) });
    }
  });

  router.get('/admin/products/:slug/indicators/done/:key', authorize('indicators.import'), async (req, res) => {
    const product = await productOf(req);
    const done = await resultOf(req, String(req.params.key));
    if (!done) throw notFound();
    await importPage(res, product, { result: done.page });
  });

  return router;
}

