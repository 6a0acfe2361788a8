import { Router, type Response } from 'express';
import { z } from 'zod';
import { userActor } from '../audit/index.js';
import { multipartWithFiles, sameOriginOnly, uploadedFiles } from '../http/upload.js';
import { authorize } from '../http/access.js';
import { contentDisposition } from '../http/download.js';
import { HttpError } from '../http/errors.js';
import { NotSubmitted, resultOf, submitOnce } from '../http/once.js';
import { parseQuery } from '../http/validate.js';
import { IMPORT_COLUMNS, MAX_IMPORT_ROWS, importIncidents, importTemplate, type ImportError } from './csv-import.js';

const templateQuery = z.strictObject({ lang: z.enum(['en', 'ar']).optional() });

function page(res: Response, extra: { errors?: ImportError[]; created?: string[]; formError?: string } = {}) {
  res.render('incidents/import', { columns: IMPORT_COLUMNS, maxRows: MAX_IMPORT_ROWS, importErrors: extra.errors ?? [], created: extra.created ?? [], formError: extra.formError ?? '', errors: {} });
}

/** Reviewers bring incidents in from a spreadsheet: they arrive as drafts, to be verified as usual. */
export function incidentImportRoutes(): Router {
  const router = Router();
  const upload = multipartWithFiles({ maxFileBytes: 5 * 1024 * 1024, maxFiles: 1 }, 5);

  router.get('/review/import', authorize('incidents.edit'), (_req, res) => {
    page(res);
  });

  router.get('/review/import/template.csv', authorize('incidents.edit'), (req, res) => {
    const q = parseQuery(templateQuery, req);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', contentDisposition(`incidents-template-${q.lang ?? 'en'}.csv`));
    res.send(importTemplate(q.lang ?? 'en'));
  });

  router.post('/review/import', authorize('incidents.edit'), sameOriginOnly, upload, async (req, res) => {
    if (!req.is('multipart/form-data')) throw new HttpError(400, 'evidence.badUpload');
    await submitOnce(req, res, async (key) => {
      const [file] = uploadedFiles(req);
      if (!file) throw new NotSubmitted(() => page(res.status(422), { formError: 'import.noFile' }));
      const result = await importIncidents(userActor(req.user!), file);
      if (!result.ok) {
        const errors = result.errors;
        throw new NotSubmitted(() => page(res.status(422), { errors }));
      }
      return { to: `/review/import/done/${key}`, page: { created: result.refs } };
    });
  });

  // Where an import leads (Post/Redirect/Get): reloading it imports nothing.
  router.get('/review/import/done/:key', authorize('incidents.edit'), async (req, res) => {
    const result = await resultOf(req, String(req.params.key));
    if (!result) throw new HttpError(404, 'errors.notFound');
    page(res, { created: (result.page.created ?? []) as string[] });
  });

  return router;
}
