import { Router, type Response } from 'express';
import { z } from 'zod';
import { userActor } from '../audit/index.js';
import { multipartWithFiles, sameOriginOnly, uploadedFiles } from '../http/upload.js';
import { authorize } from '../http/access.js';
import { contentDisposition } from '../http/download.js';
import { HttpError } from '../http/errors.js';
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
    const [file] = uploadedFiles(req);
    if (!file) {
      page(res.status(422), { formError: 'import.noFile' });
      return;
    }
    const result = await importIncidents(userActor(req.user!), file);
    if (!result.ok) {
      page(res.status(422), { errors: result.errors });
      return;
    }
    page(res, { created: result.refs });
  });

  return router;
}
