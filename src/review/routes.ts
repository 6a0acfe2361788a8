import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { userActor } from '../audit/index.js';
import { authorize } from '../http/access.js';
import { notFound } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { submitOnce } from '../http/once.js';
import { pageNumber, parseForm, parseQuery } from '../http/validate.js';
import { createIncidentFromReport, linkReportToIncident, listWorkingIncidents } from '../incidents/service.js';
import { presentIncidentRow } from '../incidents/presenter.js';
import { subjectOf, unlinkedOperators, type StoredClaim } from '../incidents/claims.js';
import { catalogue, type Catalogue } from '../catalogue/index.js';
import { heldQueueRead } from './held-reads.js';
import { displayName } from '../reference/presenter.js';
import { REPORT_STATUSES, type ReportDocument } from '../reports/model.js';
import { presentReport, presentReportRow } from '../reports/presenter.js';
import { emptyForm } from '../auth/schema.js';
import { linkSchema, messageSchema, rejectSchema } from '../reports/schema.js';
import { assignReport, findReport, rejectReport, requestInformation, revealReport, triageReport } from '../reports/service.js';
import { reviewQueue } from '../reports/queue.js';
import { reviewerOptions, reviewerReportLocals } from './locals.js';
import { addNote, noteForm } from './notes.js';
import { carryToIncident } from '../evidence/service.js';
import { HttpError } from '../http/errors.js';
import { formObject } from '../http/validate.js';
import { reportFiles } from '../reports/routes.js';
import { safeValues, submitForm } from '../http/forms.js';

const queueQuery = z.strictObject({ status: z.enum(REPORT_STATUSES).optional(), holder: z.enum(['me', 'none']).optional(), page: pageNumber });
const assignForm = formObject({ assignee: z.string().trim().regex(/^([0-9a-f]{24})?$/, 'validation.invalid').default('') });
const fromReportForm = formObject({
  evidence: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().regex(/^[0-9a-f]{24}$/)).max(50)),
});
const bulkForm = formObject({
  refs: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().regex(/^R-\d{4}-\d{5}$/)).max(200)),
});

async function loadReport(req: Request): Promise<ReportDocument> {
  const report = await findReport(String(req.params.ref));
  if (!report) throw notFound();
  return report;
}

/** The report page's view and locals for a reviewer; forms on it show it again with their errors. */
async function reportPage(res: Response, report: ReportDocument, req: Request) {
  const lng = res.locals.lng as string;
  return {
    view: 'reports/show',
    values: safeValues(req.body),
    locals: { report: await presentReport(report, lng), isOwner: false, isReviewer: true, ...(await reviewerReportLocals(report, req.user!.id)), files: await reportFiles(report), revealed: undefined },
  };
}

type Doc = { ref: string; title: string; verification: { status: string }; attributions: StoredClaim[] };

/**
 * Incidents (in progress, or published) whose operator claims link nothing although the incident
 * names products or vendors: a reviewer should say which operator operated what (migration leftovers).
 */
function operatorsToLink(c: Catalogue, lng: string) {
  const name = (id: unknown) => {
    const entity = c.entities.byId.get(String(id));
    return entity ? displayName(entity, lng) : '';
  };
  const unlinked = (docs: Iterable<unknown>) => [...docs].map((d) => d as Doc).filter((i) => unlinkedOperators(i.attributions).length);
  // Each set is looked through once per version of it, not per request, and its rows made once per
  // language and version of both (an entity's new name is a new version of the catalogue).
  const published = c.memo('review:operators-to-link', () => unlinked(c.all.filter((e) => e.unlinkedOperators).map((e) => e.doc)));
  const working = c.working.memo('review:operators-to-link', () => unlinked(c.working.withUnlinkedOperators()));
  return c.memo(`review:operators-to-link:${lng}:${c.working.version}`, () => rowsToLink([...working, ...published], name));
}

function rowsToLink(incidents: Doc[], name: (id: unknown) => string) {
  return incidents
    .map((i) => ({ i, unlinked: unlinkedOperators(i.attributions) }))
    .filter((x) => x.unlinked.length)
    .map(({ i, unlinked }) => ({
      ref: i.ref,
      title: i.title,
      status: i.verification.status,
      operators: unlinked.map((a) => name(a.government)),
      named: i.attributions.filter((a) => a.kind !== 'government').map((a) => name(subjectOf(a))),
    }));
}

/** The reviewers' queue and the triage actions on a report. */
export function reviewRoutes(): Router {
  const router = Router();

  router.get('/review', authorize('reports.review'), async (req, res) => {
    const { status, holder, page } = parseQuery(queueQuery, req);
    const lng = res.locals.lng as string;
    const [queue, working, c, reviewers] = await Promise.all([heldQueueRead(`queue:${status ?? ''}`, () => reviewQueue(status)), listWorkingIncidents(page), catalogue(), reviewerOptions()]);
    const incidents = working.incidents;
    const me = req.user!.id;
    const reports = queue.filter((r) => (holder === 'me' ? String(r.assignee ?? '') === me : holder === 'none' ? !r.assignee : true));
    const nameOf = new Map(reviewers.map((r) => [r.id, r.name]));
    res.render('review/queue', {
      toLink: operatorsToLink(c, lng),
      holder: holder ?? '',
      reports: reports.map((r) => ({ ...presentReportRow(r), ageDays: Math.floor((Date.now() - r.submittedAt.getTime()) / 86_400_000), holder: r.assignee ? (String(r.assignee) === me ? 'me' : (nameOf.get(String(r.assignee)) ?? '')) : '' })),
      // Made once per page, language and version of the incidents in progress, their labels
      // translated then (fifty rows of lookups were a tenth of this page): they hold nothing of the person.
      incidents: c.working.memo(`review:rows:${page}:${lng}`, () =>
        incidents.map((i) => {
          const row = presentIncidentRow(i, lng);
          return { ...row, statusLabel: req.t(`verificationStatus.${row.status}`), visibilityLabel: req.t(`visibility.${row.visibility}`) };
        }),
      ),
      working: { page, pages: working.pages, total: working.total, url: (p: number) => `/review?${new URLSearchParams({ ...(status ? { status } : {}), ...(holder ? { holder } : {}), page: String(p) }).toString()}` },
      status: status ?? '',
      statuses: REPORT_STATUSES,
    });
  });

  // Several submitted reports triaged at once from the queue; one that changed meanwhile is skipped and counted.
  router.post('/review/triage', authorize('reports.review'), async (req, res) => {
    const { refs } = parseForm(bulkForm, req.body);
    let triaged = 0;
    let skipped = 0;
    for (const ref of new Set(refs)) {
      const report = await findReport(ref);
      if (!report || report.status !== 'submitted') {
        skipped++;
        continue;
      }
      try {
        await triageReport(userActor(req.user!), report);
        triaged++;
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 409) throw err;
        skipped++;
      }
    }
    flash(req, triaged ? 'success' : 'info', 'review.bulkTriaged', { triaged, skipped });
    res.redirect(303, '/review');
  });

  router.post('/reports/:ref/take', authorize('reports.review'), async (req, res) => {
    parseForm(emptyForm, req.body);
    const report = await loadReport(req);
    await assignReport(userActor(req.user!), report, req.user!.id, 'take');
    flash(req, 'success', 'review.taken');
    res.redirect(303, `/reports/${report.ref}`);
  });

  router.post('/reports/:ref/assign', authorize('reports.review'), async (req, res) => {
    const report = await loadReport(req);
    await submitForm(res, await reportPage(res, report, req), async () => {
      const { assignee } = parseForm(assignForm, req.body);
      await assignReport(userActor(req.user!), report, assignee || null, assignee ? 'give' : 'release');
      flash(req, 'success', assignee ? 'review.given' : 'review.released');
      res.redirect(303, `/reports/${report.ref}`);
    });
  });

  router.post('/reports/:ref/notes', authorize('reports.review'), async (req, res) => {
    const report = await loadReport(req);
    await submitForm(res, await reportPage(res, report, req), async () => {
      const { note } = parseForm(noteForm, req.body);
      await addNote(userActor(req.user!), { type: 'report', ref: report.ref }, note);
      flash(req, 'success', 'review.noteAdded');
      res.redirect(303, `/reports/${report.ref}#notes`);
    });
  });

  router.post('/reports/:ref/triage', authorize('reports.review'), async (req, res) => {
    parseForm(emptyForm, req.body);
    const report = await loadReport(req);
    await triageReport(userActor(req.user!), report);
    flash(req, 'success', 'review.triaged');
    res.redirect(`/reports/${report.ref}`);
  });

  router.post('/reports/:ref/request-info', authorize('reports.review'), async (req, res) => {
    const report = await loadReport(req);
    await submitForm(res, await reportPage(res, report, req), async () => {
      const { body } = parseForm(messageSchema, req.body);
      await requestInformation(userActor(req.user!), report, body);
      flash(req, 'success', 'review.infoRequested');
      res.redirect(`/reports/${report.ref}`);
    });
  });

  router.post('/reports/:ref/reject', authorize('reports.review'), async (req, res) => {
    const report = await loadReport(req);
    await submitForm(res, await reportPage(res, report, req), async () => {
      const { reason } = parseForm(rejectSchema, req.body);
      await rejectReport(userActor(req.user!), report, reason);
      flash(req, 'success', 'review.rejected');
      res.redirect(`/reports/${report.ref}`);
    });
  });

  router.post('/reports/:ref/link', authorize('reports.review'), async (req, res) => {
    const report = await loadReport(req);
    await submitForm(res, await reportPage(res, report, req), async () => {
      const { incident } = parseForm(linkSchema, req.body);
      const linked = await linkReportToIncident(userActor(req.user!), report, incident);
      flash(req, 'success', 'review.linked');
      res.redirect(`/incidents/${linked.ref}`);
    });
  });

  router.post('/reports/:ref/incident', authorize('incidents.edit'), async (req, res) => {
    await submitOnce(req, res, async () => {
      const { evidence } = parseForm(fromReportForm, req.body);
      const report = await loadReport(req);
      const incident = await createIncidentFromReport(userActor(req.user!), report);
      // The files the reviewer ticked follow the report into the incident (custody recorded).
      await carryToIncident(report, incident, evidence, userActor(req.user!));
      flash(req, 'success', 'review.incidentCreated');
      return { to: `/incidents/${incident.ref}/edit` };
    });
  });

  // Decrypts the protected fields into this one response (never into the session); audited.
  router.post('/reports/:ref/reveal', authorize('identity.reveal'), async (req, res) => {
    parseForm(emptyForm, req.body);
    const report = await loadReport(req);
    const revealed = await revealReport(userActor(req.user!), report);
    const page = await reportPage(res, report, req);
    res.render(page.view, { ...page.locals, revealed, values: {}, errors: {} });
  });

  return router;
}
