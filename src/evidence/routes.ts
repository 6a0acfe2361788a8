import sharp from 'sharp';
import { Router } from 'express';
import { userActor, anonymousActor } from '../audit/index.js';
import { authorize, publicAccess } from '../http/access.js';
import { HttpError, notFound } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { submitOnce } from '../http/once.js';
import { findIncident } from '../incidents/service.js';
import { Incident } from '../incidents/model.js';
import { Report } from '../reports/model.js';
import type { SealedFileStore } from '../storage/sealed-files.js';
import { multipartWithFiles, sameOriginOnly, uploadedFiles, type UploadLimits } from '../http/upload.js';
import { formObject, parseForm } from '../http/validate.js';
import type { EvidenceDocument } from './model.js';
import { contentDisposition } from '../http/download.js';
import { z } from 'zod';

import { custodyEvents, findEvidence, readForDownload, receiveEvidence, revealEvidenceName, setClassification } from './service.js';

const classificationSchema = formObject({ classification: z.enum(['restricted', 'public']) });
const emptyForm = formObject({});

/** The custody page's locals: the record, where it belongs, and its custody events. */
async function evidencePage(evidence: EvidenceDocument) {
  const [incident, report] = await Promise.all([
    evidence.incident ? Incident.findById(evidence.incident, { ref: 1 }).lean() : null,
    evidence.report ? Report.findById(evidence.report, { ref: 1 }).lean() : null,
  ]);
  return { evidence, incidentRef: incident?.ref, reportRef: report?.ref, events: await custodyEvents(evidence), revealedName: undefined as string | undefined };
}

export function evidenceRoutes(store: SealedFileStore, limits: UploadLimits): Router {
  const router = Router();
  const parseUpload = multipartWithFiles(limits, 5);

  router.post('/incidents/:ref/evidence', authorize('incidents.edit'), sameOriginOnly, parseUpload, async (req, res) => {
    const incident = await findIncident(String(req.params.ref));
    if (!incident) throw notFound();
    if (!req.is('multipart/form-data')) throw new HttpError(400, 'evidence.badUpload');
    await submitOnce(req, res, async () => {
      const files = uploadedFiles(req);
      if (!files.length) throw new HttpError(400, 'evidence.noFile');
      const { stripped } = await receiveEvidence({ store, incident, uploader: req.user!, files });
      flash(req, 'success', stripped.length ? 'evidence.receivedStripped' : 'evidence.received');
      flash(req, 'info', 'evidence.documentsWarning');
      return { to: `/incidents/${incident.ref}#evidence` };
    });
  });

  router.get('/evidence/:id', authorize('incidents.viewUnpublished'), async (req, res) => {
    const evidence = await findEvidence(String(req.params.id));
    if (!evidence) throw notFound();
    res.render('evidence/show', await evidencePage(evidence));
  });

  // The original file name is sealed; a reviewer who needs it asks, and the read is audited.
  router.post('/evidence/:id/reveal-name', authorize('identity.reveal'), async (req, res) => {
    parseForm(emptyForm, req.body);
    const evidence = await findEvidence(String(req.params.id));
    if (!evidence) throw notFound();
    const revealedName = await revealEvidenceName(userActor(req.user!), evidence);
    res.render('evidence/show', { ...(await evidencePage(evidence)), revealedName });
  });

  router.post('/evidence/:id/classification', authorize('incidents.edit'), async (req, res) => {
    const evidence = await findEvidence(String(req.params.id));
    if (!evidence) throw notFound();
    const parsed = classificationSchema.safeParse(req.body);
    if (!parsed.success) throw new HttpError(422, 'validation.invalid');
    await setClassification(userActor(req.user!), evidence, parsed.data.classification);
    flash(req, 'success', 'reference.updated');
    res.redirect(`/evidence/${String(evidence._id)}`);
  });

  // Originals: staff only. Working copies: staff, and anyone for evidence marked public on a
  // verified public incident. Everything else is 404.
  // A preview for staff: the working copy (never the original) of an image, scaled down, shown inline.
  // Each preview is a read of the working copy and is written to the custody log like a download.
  router.get('/evidence/:id/preview', authorize('incidents.viewUnpublished'), async (req, res) => {
    const evidence = await findEvidence(String(req.params.id));
    if (!evidence?.working?.file || !/^image\/(jpeg|png|webp)$/.test(evidence.working.mediaType)) throw notFound();
    const { buffer, mediaType } = await readForDownload(store, evidence, 'working', userActor(req.user!));
    const preview = await sharp(buffer, { limitInputPixels: 50_000_000 }).resize({ width: 480, height: 480, fit: 'inside', withoutEnlargement: true }).toBuffer();
    res.setHeader('Content-Type', mediaType);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', 'sandbox');
    res.setHeader('Cache-Control', 'no-store');
    res.send(preview);
  });

  router.get('/evidence/:id/:which', publicAccess, async (req, res) => {
    const which = String(req.params.which);
    if (which !== 'original' && which !== 'working') throw notFound();
    const evidence = await findEvidence(String(req.params.id));
    if (!evidence || (which === 'working' && !evidence.working?.file)) throw notFound();
    let allowed = Boolean((res.locals.can as Record<string, boolean>).viewUnpublished);
    if (!allowed && which === 'working' && evidence.classification === 'public' && evidence.incident) {
      allowed = Boolean(await Incident.exists({ _id: evidence.incident, published: true }));
    }
    if (!allowed) throw notFound();
    const { buffer, mediaType } = await readForDownload(store, evidence, which, req.user ? userActor(req.user) : anonymousActor);
    res.setHeader('Content-Type', mediaType);
    res.setHeader('Content-Disposition', contentDisposition(which === 'working' ? `working-${evidence.name}` : evidence.name));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', 'sandbox');
    res.setHeader('Cache-Control', 'no-store');
    res.send(buffer);
  });

  return router;
}
