import { previewable } from '../evidence/service.js';
import { addNote, noteForm, notesOf } from '../review/notes.js';
import { translateIncident, translationSchema } from './translation.js';
import { LANGUAGES, directionOf, resolvedLanguage } from '../i18n/index.js';
import { otherLanguage } from '../i18n/texts.js';
import { Router, type Request, type Response } from 'express';
import { userActor } from '../audit/index.js';
import { emptyForm } from '../auth/schema.js';
import { countryOptions } from '../countries/index.js';
import { formatFuzzyDate } from '../facts/dates.js';
import { INDICATOR_TYPES } from '../facts/indicators.js';
import { SOURCE_KINDS, TARGET_CATEGORIES } from '../facts/model.js';
import { authorize, publicAccess } from '../http/access.js';
import { HttpError, notFound } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { safeValues, submitForm } from '../http/forms.js';
import { parseForm } from '../http/validate.js';
import { entityOptions } from '../reference/lookup.js';
import { idString, isoDay } from '../reference/presenter.js';
import { CHECKLIST_ITEMS } from '../verification/model.js';
import { APPROVALS_NEEDED, recordReview, retractIncident, reviewsOf, submitForReview } from '../verification/service.js';
import { ATTRIBUTION_KINDS, CONFIDENCE_LEVELS, type IncidentDocument, type IncidentRecord } from './model.js';
import { presentIncident } from './presenter.js';
import { incidentSchema, retractSchema, reviewSchema } from './schema.js';
import { findIncident, updateIncident } from './service.js';
import { incidentToShow } from './refs.js';
import { heldPageRead } from '../review/held-reads.js';
import { catalogue } from '../catalogue/index.js';
import { evidenceOf, publicEvidenceOf } from '../evidence/service.js';

function lngOf(res: Response): string {
  return res.locals.lng as string;
}

async function loadIncident(req: Request): Promise<IncidentDocument> {
  const incident = await findIncident(String(req.params.ref));
  if (!incident) throw notFound();
  return incident;
}

async function editorLocals(lng: string): Promise<Record<string, unknown>> {
  return {
    countries: countryOptions(lng),
    entities: await entityOptions(lng),
    categories: TARGET_CATEGORIES,
    kinds: ATTRIBUTION_KINDS,
    confidences: CONFIDENCE_LEVELS,
    sourceKinds: SOURCE_KINDS,
    indicatorTypes: INDICATOR_TYPES,
    languages: LANGUAGES,
  };
}

/** The editor's form values: strings, in the shape the form posts. */
function formValues(incident: IncidentDocument): Record<string, unknown> {
  return {
    title: incident.title,
    summary: incident.summary,
    lang: incident.lang ?? 'en',
    dates: { from: formatFuzzyDate(incident.dates.from as never), to: incident.dates.to ? formatFuzzyDate(incident.dates.to as never) : '' },
    countries: incident.countries,
    targets: incident.targets.map((t) => ({ category: t.category, pseudonym: t.pseudonym, consent: t.consentToPublish ? 'yes' : 'no' })),
    attributions: incident.attributions.map((a) => ({
      kind: a.kind,
      product: idString(a.product),
      vendor: idString(a.vendor),
      government: idString(a.government),
      agency: a.agency ?? '',
      confidence: a.confidence,
      basis: a.basis,
      sources: a.sources.map((n) => n + 1).join(', '),
    })),
    sources: incident.sources.map((s) => ({ kind: s.kind, url: s.url ?? '', title: s.title, publisher: s.publisher ?? '', date: isoDay(s.date) })),
    indicators: incident.indicators.map((i) => ({ type: i.type, value: i.value })),
    responses: incident.responses ?? '',
    visibility: incident.visibility,
  };
}

/** The incident page as staff see it (verification panel, history); its forms show it again on errors. */
async function privilegedPage(req: Request, res: Response, incident: IncidentDocument | IncidentRecord) {
  const reviews = await heldPageRead(`reviews:${String(incident._id)}`, () => reviewsOf(incident));
  const round = incident.verification!.round;
  const approvals = new Set(reviews.filter((r) => r.round === round && r.decision === 'approve').map((r) => String((r.reviewer as unknown as { _id: unknown })._id)));
  return {
    view: 'incidents/show',
    values: safeValues(req.body),
    locals: {
      incident: await presentIncident(incident, lngOf(res), true),
      privileged: true,
      reviews: reviews.map((r) => ({
        reviewer: (r.reviewer as unknown as { name?: string }).name ?? '',
        round: r.round,
        decision: r.decision,
        checklist: r.checklist,
        note: r.note,
        at: r.at,
        current: r.round === round,
      })),
      approvals: approvals.size,
      approvalsNeeded: APPROVALS_NEEDED,
      approvedByMe: approvals.has(req.user!.id),
      // One decision per reviewer and round: once recorded, the form is not offered again.
      reviewedByMe: reviews.some((r) => r.round === round && String((r.reviewer as unknown as { _id: unknown })._id) === req.user!.id),
      evidence: (await heldPageRead(`evidence:${String(incident._id)}`, () => evidenceOf(incident))).map((e) => ({ id: String(e._id), name: e.name, sha256: e.original.sha256, size: e.original.size, mediaType: e.original.mediaType, stripped: e.metadataStripped, classification: e.classification, preview: previewable(e) })),
      checklistItems: CHECKLIST_ITEMS,
      // The translation form: the other language than the one the text is written in.
      translationLang: otherLanguage(resolvedLanguage(incident.lang ?? 'en')),
      translationDir: directionOf(otherLanguage(resolvedLanguage(incident.lang ?? 'en'))),
      notes: await heldPageRead(`notes:incident:${incident.ref}`, () => notesOf({ type: 'incident', ref: incident.ref })),
    },
  };
}

export function incidentRoutes(): Router {
  const router = Router();

  router.get('/incidents/:ref', publicAccess, async (req, res) => {
    const ref = String(req.params.ref);
    if (!(res.locals.can as Record<string, boolean>).viewUnpublished) {
      // Visitors: published incidents come from the catalogue, without a database read.
      const entry = (await catalogue()).byRef.get(ref);
      if (entry) {
        res.render('incidents/show', { incident: await presentIncident(entry.doc as never, lngOf(res), false), privileged: false, publicEvidence: await publicEvidenceOf(entry.id) });
        return;
      }
    }
    const incident = await incidentToShow(ref);
    if (!incident) throw notFound();
    if ((res.locals.can as Record<string, boolean>).viewUnpublished) {
      const page = await privilegedPage(req, res, incident);
      // The translation form starts from the translation as it stands.
      res.render(page.view, { ...page.locals, values: { title: incident.translation?.title ?? '', summary: incident.translation?.summary ?? '' }, errors: {} });
      return;
    }
    if (incident.published) {
      res.render('incidents/show', { incident: await presentIncident(incident, lngOf(res), false), privileged: false });
      return;
    }
    // CASE: a public incident that was retracted keeps a notice at its address, so citations of it
    // lead to the reason rather than to nothing; anything never published is simply not found.
    if (incident.verification?.status === 'retracted' && incident.visibility === 'public' && incident.verification.verifiedAt !== undefined) {
      res.status(410).render('incidents/retracted', { ref: incident.ref, title: incident.title, reason: incident.retraction?.reason ?? '', at: incident.retraction?.at });
      return;
    }
    throw notFound();
  });

  router.get('/incidents/:ref/edit', authorize('incidents.edit'), async (req, res) => {
    const incident = await loadIncident(req);
    if (incident.verification!.status === 'retracted') throw new HttpError(409, 'incidents.retracted');
    res.render('incidents/edit', { ...(await editorLocals(lngOf(res))), ref: incident.ref, status: incident.verification!.status, values: formValues(incident), errors: {} });
  });

  router.post('/incidents/:ref', authorize('incidents.edit'), async (req, res) => {
    const incident = await loadIncident(req);
    const form = { view: 'incidents/edit', values: req.body as Record<string, unknown>, locals: { ...(await editorLocals(lngOf(res))), ref: incident.ref, status: incident.verification!.status } };
    await submitForm(res, form, async () => {
      await updateIncident(userActor(req.user!), incident, parseForm(incidentSchema, req.body));
      flash(req, 'success', 'incidents.saved');
      res.redirect(`/incidents/${incident.ref}`);
    });
  });

  router.post('/incidents/:ref/submit', authorize('incidents.edit'), async (req, res) => {
    parseForm(emptyForm, req.body);
    const incident = await loadIncident(req);
    await submitForReview(req.user!, incident);
    flash(req, 'success', 'verification.submitted');
    res.redirect(`/incidents/${incident.ref}`);
  });

  router.post('/incidents/:ref/reviews', authorize('incidents.verify'), async (req, res) => {
    const incident = await loadIncident(req);
    await submitForm(res, () => privilegedPage(req, res, incident), async () => {
      let outcome;
      try {
        outcome = await recordReview(req.user!, incident, parseForm(reviewSchema, req.body));
      } catch (err) {
        // A decision refused by the state of the round (already approved, round closed meanwhile): back to
        // the incident with the reason, not a dead end.
        if (!(err instanceof HttpError) || err.status !== 409) throw err;
        flash(req, 'error', err.messageKey);
        res.redirect(303, `/incidents/${incident.ref}`);
        return;
      }
      flash(req, 'success', `verification.outcome.${outcome}`);
      res.redirect(`/incidents/${incident.ref}`);
    });
  });

  router.post('/incidents/:ref/notes', authorize('incidents.edit'), async (req, res) => {
    const incident = await loadIncident(req);
    await submitForm(res, () => privilegedPage(req, res, incident), async () => {
      const { note } = parseForm(noteForm, req.body);
      await addNote(userActor(req.user!), { type: 'incident', ref: incident.ref }, note);
      flash(req, 'success', 'review.noteAdded');
      res.redirect(303, `/incidents/${incident.ref}#notes`);
    });
  });

  router.post('/incidents/:ref/translation', authorize('incidents.edit'), async (req, res) => {
    const incident = await loadIncident(req);
    await submitForm(res, () => privilegedPage(req, res, incident), async () => {
      const outcome = await translateIncident(userActor(req.user!), incident, parseForm(translationSchema, req.body));
      flash(req, 'success', `translation.${outcome}`);
      res.redirect(303, `/incidents/${incident.ref}#translation`);
    });
  });

  router.post('/incidents/:ref/retract', authorize('incidents.retract'), async (req, res) => {
    const incident = await loadIncident(req);
    await submitForm(res, () => privilegedPage(req, res, incident), async () => {
      const { reason } = parseForm(retractSchema, req.body);
      await retractIncident(req.user!, incident, reason);
      flash(req, 'success', 'incidents.retractedDone');
      res.redirect(`/incidents/${incident.ref}`);
    });
  });

  return router;
}
