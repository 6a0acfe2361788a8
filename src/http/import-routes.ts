import { Router, type Response } from 'express';
import { z } from 'zod';
import { userActor, type AuditActor } from '../audit/index.js';
import type { Action } from '../policies/index.js';
import { authorize } from './access.js';
import type { ImportError, TableColumn } from './csv-table.js';
import { contentDisposition } from './download.js';
import { HttpError } from './errors.js';
import { NotSubmitted, newFormKey, submitOnce } from './once.js';
import { multipartWithFiles, sameOriginOnly, uploadedFiles } from './upload.js';
import { parseQuery } from './validate.js';
import { ImportJob, jobView, progressOf, type JobView, type Progress } from './import-job.js';
import type { Logger } from '../log.js';

/** How long an upload waits for its import before answering with the progress page. */
export const IMPORT_ANSWER_WITHIN_MS = 2_000;

const templateQuery = z.strictObject({ lang: z.enum(['en', 'ar']).optional() });
/** `follow=1`: the reader asked the job page to update itself (a page that reloads on its own is never the default). */
const jobQuery = z.strictObject({ follow: z.literal('1').optional() });
/** Seconds between reloads of a followed job page. */
const FOLLOW_SECONDS = 5;

export interface SpreadsheetImport {
  /** e.g. /review/import: the page, `…/template.csv?lang=`, the upload and `…/jobs/:id` (the job's progress or result) */
  path: string;
  action: Action;
  view: string;
  columns: readonly TableColumn[];
  maxRows: number;
  maxFileBytes: number;
  /** Where a job's failure is logged (its kind and code only: never the file's content). */
  logger: Pick<Logger, 'error'>;
  templateName: string;
  template: (lng: 'en' | 'ar') => Buffer;
  /**
   * All or nothing: what was created (shown on the result page), or every error by line and column.
   * Reports rows written as it goes (the progress page of a large file).
   */
  run: (actor: AuditActor & { id: string }, file: { buffer: Buffer; originalname: string }, progress: Progress) => Promise<{ ok: true; created: string[]; rows?: ImportRow[] } | { ok: false; errors: ImportError[] }>;
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
  const page = (res: Response, extra: { errors?: ImportError[]; created?: string[]; rows?: unknown[]; formError?: string; job?: JobView; follow?: boolean } = {}) =>
    res.render(s.view, { columns: s.columns, maxRows: s.maxRows, importErrors: extra.errors ?? [], created: extra.created ?? [], rows: extra.rows ?? [], formError: extra.formError ?? '', job: extra.job, follow: extra.follow === true, refreshSeconds: extra.follow && extra.job?.state === 'running' ? FOLLOW_SECONDS : 0, errors: {} });

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
    await submitOnce(req, res, async () => {
      const [file] = uploadedFiles(req);
      if (!file) throw new NotSubmitted(() => page(res.status(422), { formError: 'import.noFile' }));
      const now = new Date();
      const id = newFormKey();
      await ImportJob.create({ _id: id, path: s.path, actor: String(req.user!.id), status: 'running', startedAt: now, heartbeat: now });
      const finished = runJob(id, s.logger, () => s.run(userActor(req.user!), file, progressOf(id)));
      const refused = await Promise.race([finished, new Promise<undefined>((resolve) => setTimeout(resolve, IMPORT_ANSWER_WITHIN_MS, undefined))]);
      if (refused) {
        // A file refused while the uploader waits: the form again with every error (nothing stored).
        await ImportJob.deleteOne({ _id: id });
        throw new NotSubmitted(() => page(res.status(422), { errors: refused }));
      }
      return { to: `${s.path}/jobs/${id}` };
    });
  });

  // The job's page: its progress while it runs, then its result. It reloads itself (every few seconds, no
  // script) only when the reader asks for it: a page that changes under a screen reader is not a default.
  router.get(`${s.path}/jobs/:id`, authorize(s.action), async (req, res) => {
    const q = parseQuery(jobQuery, req);
    const job = await ImportJob.findById(String(req.params.id)).lean();
    if (!job || job.path !== s.path || job.actor !== String(req.user!.id)) throw new HttpError(404, 'errors.notFound');
    const view = jobView(job);
    page(res, { job: view, follow: q.follow === '1', created: view.created, rows: view.rows, errors: view.errors });
  });

  return router;
}

/**
 * Runs an import and records its end on the job. Resolves with the errors of a refused file (the
 * uploader may still be waiting for them), otherwise with nothing; never rejects (a failure is the
 * job's state).
 */
async function runJob(id: string, logger: Pick<Logger, 'error'>, run: () => ReturnType<SpreadsheetImport['run']>): Promise<ImportError[] | undefined> {
  try {
    const result = await run();
    const endedAt = new Date();
    if (!result.ok) {
      await ImportJob.updateOne({ _id: id }, { $set: { status: 'refused', importErrors: result.errors, endedAt, heartbeat: endedAt } });
      return result.errors;
    }
    await ImportJob.updateOne({ _id: id }, { $set: { status: 'done', created: result.created, rows: result.rows ?? [], written: result.created.length, endedAt, heartbeat: endedAt } });
  } catch (err) {
    logger.error({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code }, job: id }, 'import job failed');
    await ImportJob.updateOne({ _id: id }, { $set: { status: 'failed', endedAt: new Date(), heartbeat: new Date() } }).catch(() => undefined);
  }
  return undefined;
}
