import { Router, type Request } from 'express';
import type { z } from 'zod';
import { userActor } from '../audit/index.js';
import { authorize } from '../http/access.js';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { submitForm } from '../http/forms.js';
import { parseForm } from '../http/validate.js';
import { findBySlug } from './slugs.js';

/**
 * List / new / edit pages for one kind of reference record (vendors, products, governments), for
 * reviewers and admins. The flow is the same for the three; the schema, commands and views differ.
 */
export interface ReferenceSection<D extends { slug: string }, I> {
  path: string; // e.g. /admin/vendors
  views: { list: string; form: string };
  schema: z.ZodType<I>;
  list: () => Promise<D[]>;
  find: (slug: string) => ReturnType<typeof findBySlug<D>>;
  create: (actor: ReturnType<typeof userActor>, input: I) => Promise<D>;
  update: (actor: ReturnType<typeof userActor>, doc: D, input: I) => Promise<void>;
  presentList: (docs: D[], lng: string) => Promise<unknown[]> | unknown[];
  formValues: (doc: D) => Record<string, unknown>;
  formLocals: (lng: string) => Promise<Record<string, unknown>>;
  messages: { created: string; updated: string };
}

function lng(req: Request): string {
  return (req.res?.locals.lng as string | undefined) ?? 'en';
}

export function referenceRoutes<D extends { slug: string }, I>(section: ReferenceSection<D, I>): Router {
  const router = Router();
  const { path } = section;

  router.get(path, authorize('reference.manage'), async (req, res) => {
    const items = await section.presentList(await section.list(), lng(req));
    res.render(section.views.list, { items });
  });

  router.get(`${path}/new`, authorize('reference.manage'), async (req, res) => {
    res.render(section.views.form, { ...(await section.formLocals(lng(req))), action: path, isNew: true, values: {}, errors: {} });
  });

  router.post(path, authorize('reference.manage'), async (req, res) => {
    const form = { view: section.views.form, values: req.body as Record<string, unknown>, locals: { ...(await section.formLocals(lng(req))), action: path, isNew: true } };
    await submitForm(res, form, async () => {
      const created = await section.create(userActor(req.user!), parseForm(section.schema, req.body));
      flash(req, 'success', section.messages.created);
      res.redirect(`${path}/${created.slug}/edit`);
    });
  });

  router.get(`${path}/:slug/edit`, authorize('reference.manage'), async (req, res) => {
    const found = await section.find(String(req.params.slug));
    if (!found) throw new HttpError(404, 'errors.notFound');
    if (found.redirect) {
      res.redirect(301, `${path}/${found.doc.slug}/edit`);
      return;
    }
    res.render(section.views.form, {
      ...(await section.formLocals(lng(req))),
      action: `${path}/${found.doc.slug}`,
      isNew: false,
      values: section.formValues(found.doc),
      errors: {},
    });
  });

  router.post(`${path}/:slug`, authorize('reference.manage'), async (req, res) => {
    const found = await section.find(String(req.params.slug));
    if (!found || found.redirect) throw new HttpError(404, 'errors.notFound');
    const doc = found.doc;
    const form = { view: section.views.form, values: req.body as Record<string, unknown>, locals: { ...(await section.formLocals(lng(req))), action: `${path}/${doc.slug}`, isNew: false } };
    await submitForm(res, form, async () => {
      const input = parseForm(section.schema, req.body);
      await section.update(userActor(req.user!), doc, input);
      flash(req, 'success', section.messages.updated);
      res.redirect(`${path}/${(input as { slug: string }).slug}/edit`);
    });
  });

  return router;
}
