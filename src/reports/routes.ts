import { createHmac, randomBytes } from 'node:crypto';
import { resultOf, submitOnce } from '../http/once.js';
import { Router, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import { countryOptions } from '../countries/index.js';
import { anonymousActor, userActor } from '../audit/index.js';
import { INDICATOR_TYPES } from '../facts/indicators.js';
import { INFECTION_VECTORS, SOURCE_KINDS, TARGET_CATEGORIES } from '../facts/model.js';
import { authorize, publicAccess } from '../http/access.js';
import { HttpError, notFound } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { submitForm } from '../http/forms.js';
import type { FormLimits } from '../http/rate-limit.js';
import { FormValidationError, parseForm } from '../http/validate.js';
import { entityOptions } from '../reference/lookup.js';
import { presentReport, presentReportRow } from './presenter.js';
import { messageSchema, reportSchema, trackAnswerSchema, trackSchema } from './schema.js';
import { answerQuestion, findReport, findReportByReceipt, reportToShow, reportsOf, submitReport } from './service.js';
import { heldPageRead } from '../review/held-reads.js';
import { reviewerReportLocals } from '../review/locals.js';
import type { SealedFileStore } from '../storage/sealed-files.js';
import { multipartWithFiles, sameOriginOnly, uploadedFiles } from '../http/upload.js';
import { evidenceOfReport, previewable } from '../evidence/service.js';

const SESSION_ANON_LIMIT = 5;

export async function reportFormLocals(lng: string): Promise<Record<string, unknown>> {
  return {
    countries: countryOptions(lng),
    entities: await entityOptions(lng),
    categories: TARGET_CATEGORIES,
    vectors: INFECTION_VECTORS,
    sourceKinds: SOURCE_KINDS,
    indicatorTypes: INDICATOR_TYPES,
  };
}

/**
 * Per-session cap for anonymous submissions (works behind Tor, unlike an address-based limit). Kept
 * in this process's memory under a keyed hash of the session id, never in the session or the
 * database: nothing stored links a visitor's session to the time they submitted.
 */
const budgetKey = randomBytes(32);
const sessionBudgets = new Map<string, number[]>();
function takeSessionAllowance(req: Request): boolean {
  const now = Date.now();
  const hourAgo = now - 3_600_000;
  const key = createHmac('sha256', budgetKey).update(req.sessionID).digest('base64url');
  const recent = (sessionBudgets.get(key) ?? []).filter((t) => t > hourAgo);
  if (recent.length >= SESSION_ANON_LIMIT) return false;
  sessionBudgets.set(key, [...recent, now]);
  // CASE: bounded memory: forget sessions with nothing in the last hour.
  if (sessionBudgets.size > 10_000) for (const [k, times] of sessionBudgets) if (!times.some((t) => t > hourAgo)) sessionBudgets.delete(k);
  return true;
}

function lngOf(res: Response): string {
  return res.locals.lng as string;
}

export async function reportFiles(report: { _id: unknown }) {
  return (await heldPageRead(`report-files:${String(report._id)}`, () => evidenceOfReport(report))).map((e) => ({ id: String(e._id), name: e.name, mediaType: e.original.mediaType, size: e.original.size, sha256: e.original.sha256, stripped: e.metadataStripped, preview: previewable(e) }));
}

export function reportRoutes(config: Config, store: SealedFileStore, formLimit: FormLimits): Router {
  const limits = { maxFileBytes: config.EVIDENCE_MAX_FILE_MB * 1024 * 1024, maxFiles: config.EVIDENCE_MAX_FILES };
  const router = Router();
  const submitLimit = formLimit.reportSubmit;
  const trackLimit = formLimit.track;

  router.get('/reports/new', publicAccess, async (req, res) => {
    if (!req.user && !config.ANONYMOUS_REPORTS) {
      req.session.returnTo = '/reports/new';
      res.redirect('/login');
      return;
    }
    res.render('reports/new', { ...(await reportFormLocals(lngOf(res))), anonymous: !req.user, values: {}, errors: {} });
  });

  router.post('/reports', publicAccess, submitLimit, sameOriginOnly, multipartWithFiles(limits), async (req, res) => {
    const anonymous = !req.user;
    if (anonymous && !config.ANONYMOUS_REPORTS) throw new HttpError(403, 'reports.anonymousClosed');
    const form = { view: 'reports/new', values: req.body as Record<string, unknown>, locals: { ...(await reportFormLocals(lngOf(res))), anonymous } };
    await submitForm(res, form, () =>
      submitOnce(req, res, async (key) => {
        const input = parseForm(reportSchema, req.body);
        if (anonymous && !takeSessionAllowance(req)) throw new HttpError(429, 'reports.anonymousBusy');
        const files = uploadedFiles(req).filter((f) => f.buffer.length > 0);
        const { report, receiptCode, stripped } = await submitReport({ input, user: req.user, settings: config, evidence: { store, files } });
        if (receiptCode) {
          // Shown once, by the GET page below: sealed until then, never in a URL, never stored in plaintext.
          return { to: `/reports/receipt/${key}`, once: receiptCode, page: { ref: report.ref, files: files.length, stripped } };
        }
        flash(req, 'success', 'reports.submitted');
        if (stripped.length) flash(req, 'info', 'evidence.receivedStripped');
        if (files.length) flash(req, 'info', 'evidence.documentsWarning');
        return { to: `/reports/${report.ref}` };
      }),
    );
  });

  // The anonymous receipt, for the session that submitted: the code is shown to the first read only;
  // a reload says it was shown and submits nothing.
  router.get('/reports/receipt/:key', publicAccess, async (req, res) => {
    const result = await resultOf(req, String(req.params.key));
    if (!result) throw notFound();
    const page = result.page as { ref: string; files: number; stripped: string[] };
    res.render('reports/receipt', { ref: page.ref, code: result.once, files: page.files, stripped: page.stripped });
  });

  router.get('/reports', authorize('reports.own'), async (req, res) => {
    res.render('reports/mine', { reports: (await reportsOf(req.user!.id)).map(presentReportRow) });
  });

  router.get('/reports/:ref', authorize('reports.own'), async (req, res) => {
    const report = await reportToShow(String(req.params.ref));
    const isOwner = Boolean(report?.submitter?.user && String(report.submitter.user) === req.user!.id);
    // res.locals.can already accounts for the second factor a reviewer must have used.
    const isReviewer = Boolean((res.locals.can as Record<string, boolean>).review);
    if (!report || (!isOwner && !isReviewer)) throw notFound();
    const view = await presentReport(report, lngOf(res));
    const reviewer = isReviewer ? await reviewerReportLocals(report, req.user!.id) : {};
    res.render('reports/show', { report: view, isOwner, isReviewer, ...reviewer, files: await reportFiles(report), revealed: undefined, values: {}, errors: {} });
  });

  router.post('/reports/:ref/answers', authorize('reports.own'), async (req, res) => {
    const report = await findReport(String(req.params.ref));
    if (!report || String(report.submitter?.user) !== req.user!.id) throw notFound();
    const { body } = parseForm(messageSchema, req.body);
    await answerQuestion(userActor(req.user!), report, body);
    flash(req, 'success', 'reports.answered');
    res.redirect(`/reports/${report.ref}`);
  });

  // ---- anonymous follow-up with the receipt code (POST only: the code never appears in a URL) ----

  router.get('/track', publicAccess, (_req, res) => {
    res.render('reports/track', { values: {}, errors: {} });
  });

  router.post('/track', publicAccess, trackLimit, async (req, res) => {
    let code: string;
    try {
      code = parseForm(trackSchema, req.body).code;
    } catch (err) {
      if (!(err instanceof FormValidationError)) throw err;
      res.status(422).render('reports/track', { values: {}, errors: { code: 'validation.receipt' } });
      return;
    }
    const report = await findReportByReceipt(code);
    if (!report) {
      res.status(404).render('reports/track', { values: {}, errors: { code: 'reports.receiptUnknown' } });
      return;
    }
    res.render('reports/tracked', { report: await presentReport(report, lngOf(res)), code, values: {}, errors: {} });
  });

  router.post('/track/answer', publicAccess, trackLimit, async (req, res) => {
    const parsed = trackAnswerSchema.safeParse(req.body);
    const code = typeof (req.body as { code?: unknown }).code === 'string' ? (req.body as { code: string }).code : '';
    const report = code ? await findReportByReceipt(code) : null;
    if (!report) {
      res.status(404).render('reports/track', { values: {}, errors: { code: 'reports.receiptUnknown' } });
      return;
    }
    if (!parsed.success) {
      res.status(422).render('reports/tracked', { report: await presentReport(report, lngOf(res)), code, values: {}, errors: { body: 'validation.required' } });
      return;
    }
    await answerQuestion(anonymousActor, report, parsed.data.body);
    const updated = (await findReportByReceipt(code))!;
    res.render('reports/tracked', { report: await presentReport(updated, lngOf(res)), code, answered: true, values: {}, errors: {} });
  });

  return router;
}
