import { Router, type Response } from 'express';
import { z } from 'zod';
import { userActor, type AuditActor } from '../audit/index.js';
import type { Action } from '../policies/index.js';
import { authorize } from './access.js';
import type { ImportError, TableColumn } from './csv-table.js';
import { contentDisposition } from './download.js';
import { HttpError } from './errors.js';
import { NotSubmitted, resultOf, submitOnce } from './once.js';
import { multipartWithFiles, sameOriginOnly, uploadedFiles } from './upload.js';
import { parseQuery } from './validate.js';

const templateQuery = z.strictObject({ lang: z.enum(['en', 'ar']).optional() });

export interface SpreadsheetImport {
  /** e.g. /review/import: the page, `…/template.csv?lang=`, the upload and `…/done/:key` */
  path: string;
  action: Action;
  view: string;
  columns: readonly TableColumn[];
  maxRows: number;
  maxFileBytes: number;
  templateName: string;
  template: (lng: 'en' | 'ar') => Buffer;
  /** All or nothing: what was created (shown on the result page), or every error by line and column. */
  run: (actor: AuditActor & { id: string }, file: { buffer: Buffer; originalname: string }) => Promise<{ ok: true; created: string[]; rows?: ImportRow[] } | { ok: false; errors: ImportError[] }>;
}

/** A row of an import that keys its rows: made now, or already made by an earlier import (not again). */
export interface ImportRow {
  line: number;
  key: string;
  ref: string;
  already: boolean;
}

/**
 * The pages of a spreadsheet import (incidents, official actions): the form with its template, the
 * upload (multipart, same origin, CSRF token in the action), and the result page it leads to
 * (Post/Redirect/Get: reloading it imports nothing).
 */
export function spreadsheetImportRoutes(s: SpreadsheetImport): Router {
  const router = Router();
  const upload = multipartWithFiles({ maxFileBytes: s.maxFileBytes, maxFiles: 1 }, 5);
  const page = (res: Response, extra: { errors?: ImportError[]; created?: string[]; rows?: ImportRow[]; formError?: string } = {}) =>
    res.render(s.view, { columns: s.columns, maxRows: s.maxRows, importErrors: extra.errors ?? [], created: extra.created ?? [], rows: extra.rows ?? [], formError: extra.formError ?? '', errors: {} });

  router.get(s.path, authorize(s.action), (_req, res) => {
    page(res);
  });

  router.get(`${s.path}/template.csv`, authorize(s.action), (req, res) => {
    const q = parseQuery(templateQuery, req);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', contentDisposition(`${s.templateName}-${q.lang ?? 'en'}.csv`));
    res.send(s.template(q.lang ?? 'en'));
  });

  router.post(s.path, authorize(s.action), sameOriginOnly, upload, async (req, res) => {
    if (!req.is('multipart/form-data')) throw new HttpError(400, 'evidence.badUpload');
    await submitOnce(req, res, async (key) => {
      const [file] = uploadedFiles(req);
      if (!file) throw new NotSubmitted(() => page(res.status(422), { formError: 'import.noFile' }));
      const result = await s.run(userActor(req.user!), file);
      if (!result.ok) {
        const errors = result.errors;
        throw new NotSubmitted(() => page(res.status(422), { errors }));
      }
      return { to: `${s.path}/done/${key}`, page: { created: result.created, rows: result.rows ?? [] } };
    });
  });

  router.get(`${s.path}/done/:key`, authorize(s.action), async (req, res) => {
    const result = await resultOf(req, String(req.params.key));
    if (!result) throw new HttpError(404, 'errors.notFound');
    page(res, { created: (result.page.created ?? []) as string[], rows: (result.page.rows ?? []) as ImportRow[] });
  });

  return router;
}
