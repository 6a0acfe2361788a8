import { notify, notifyRole } from '../notifications/service.js';
import mongoose from 'mongoose';
import { recordAuditEvent, userActor } from '../audit/index.js';
import { HttpError } from '../http/errors.js';
import { claim, claimAct, claimed, claimNextNumber, numberedHolders, releaseClaim } from '../db/claims.js';
import { FormValidationError } from '../http/validate.js';
import { Incident, type IncidentDocument } from '../incidents/model.js';
import type { ReviewInput } from '../incidents/schema.js';
import { Report } from '../reports/model.js';
import { findByIds } from '../db/by-id.js';
import { CHECKLIST_ITEMS, Review, type ReviewDocument } from './model.js';
import { publish } from '../events/index.js';

export const APPROVALS_NEEDED = 2;

function roundClosedKey(incidentId: unknown, round: number): string {
  return `incident:${String(incidentId)}:round:${round}:closed`;
}

function roundEditedKey(incidentId: unknown, round: number): string {
  return `incident:${String(incidentId)}:round:${round}:edited`;
}

function retractedKey(incidentId: unknown): string {
  return `incident:${String(incidentId)}:retracted`;
}

/**
 * A substantive edit ends the current round too: taking the round's claim first means an approval
 * completing at the same moment can no longer verify the version before the edit. If the approval
 * won the round just before, it sees the edit's own claim after writing and defers to it.
 */
export async function closeRoundForEdit(incident: IncidentDocument, by: string): Promise<void> {
  const round = incident.verification!.round;
  await claim(roundEditedKey(incident._id, round), by);
  await claim(roundClosedKey(incident._id, round), by);
}

const after = { returnDocument: 'after' as const };

/**
 * Counts a reviewer's approval of round `round`: the approvals of a round fill numbered slots, each
 * decided by a claim (`…:approval:1`, `…:approval:2`, …) taken in order, and a reviewer who holds
 * one already (an approval sent again) keeps it. Returns the round's approvers in slot order up to
 * and including this one, so the approval that fills slot APPROVALS_NEEDED knows it completes the
 * round. Why not count the reviews: a `distinct` on the reviews collection is a scan of every review
 * on the embedded engine, on every approval; these are reads by `_id`.
 */
export async function takeApprovalSlot(incidentId: unknown, round: number, reviewerId: string): Promise<string[]> {
  return claimNextNumber(`incident:${String(incidentId)}:round:${round}:approval`, reviewerId, true);
}

/**
 * Whether an edit or a retraction claimed this round (or the incident) meanwhile; if so, the
 * incident is written as that change leaves it and the document as written is returned.
 * Called by the approval that verifies round `round` before its write (so it does not verify over a
 * change already made) and after it: an edit or a retraction claims its key before writing and
 * this check comes after the verification's write, so whichever order the writes land in, the
 * incident ends edited (back in review) or retracted, never verified over a change no one reviewed.
 */
async function concurrentChange(incident: IncidentDocument, round: number): Promise<unknown> {
  if (await claimed(retractedKey(incident._id))) {
    return Incident.findByIdAndUpdate(incident._id, { $set: { 'verification.status': 'retracted', published: false } }, after).lean();
  }
  if (await claimed(roundEditedKey(incident._id, round))) {
    return Incident.findByIdAndUpdate(incident._id, { $set: { 'verification.status': 'in-review', 'verification.round': round + 1, 'verification.verifiedAt': null, published: false } }, after).lean();
  }
  return undefined;
}

/** Whether round `round` is still waiting for its decision (re-read: the change of a claim that may be stale). */
async function roundOpen(incident: IncidentDocument, round: number): Promise<boolean> {
  const now = await Incident.findById(incident._id, { verification: 1 }).lean();
  return now?.verification?.status === 'in-review' && now.verification.round === round;
}

function subject(incident: IncidentDocument) {
  return { type: 'incident', id: incident.ref };
}

export async function submitForReview(actor: Express.User, incident: IncidentDocument): Promise<void> {
  const status = incident.verification!.status;
  if (status !== 'draft' && status !== 'disputed') throw new HttpError(409, 'verification.notDraft');
  // Submitted once per round (db/claims.ts): one status change and one audit event however many are sent.
  const round = incident.verification!.round;
  const submitted = async () => {
    const now = await Incident.findById(incident._id, { verification: 1 }).lean();
    return now?.verification?.round !== round || !['draft', 'disputed'].includes(now.verification.status ?? '');
  };
  if (!(await claimAct(`incident:${String(incident._id)}:round:${round}:submitted`, actor.id, submitted))) throw new HttpError(409, 'verification.notDraft');
  await publish({ kind: 'incidents-written', docs: [await Incident.findByIdAndUpdate(incident._id, { $set: { 'verification.status': 'in-review' } }, after).lean()] });
  await recordAuditEvent({ actor: userActor(actor), action: 'incident.submitted-for-review', subject: subject(incident), details: { from: status, round: incident.verification!.round } });
  await notifyRole('reviewer', 'incident.awaiting-approval', incident.ref, actor.id);
}

/** The submitters (with an account) of the reports an incident was built from hear that it is public: by report, never by title. */
async function tellReportersPublished(incident: IncidentDocument): Promise<void> {
  if (!incident.reports.length) return;
  const reports = await findByIds<{ ref: string; submitter?: { user?: mongoose.Types.ObjectId | null } }>(Report, incident.reports, { ref: 1, submitter: 1 });
  for (const r of reports) if (r.submitter?.user) await notify([r.submitter.user.toString()], 'report.published', r.ref);
}

/** True if the user submitted any report linked to the incident: they may not verify it. */
async function submittedLinkedReport(userId: string, incident: IncidentDocument): Promise<boolean> {
  if (!incident.reports.length) return false;
  return (await findByIds<{ submitter?: { user?: mongoose.Types.ObjectId | null } }>(Report, incident.reports, { submitter: 1 })).some((r) => r.submitter?.user?.toString() === userId);
}

/**
 * Records a review. Verified needs approvals from two different reviewers in the current round,
 * each with the whole checklist, neither the submitter of a linked report. Changes requested or a
 * rejection send the incident back (draft / disputed) and start a new round.
 */
export async function recordReview(reviewer: Express.User, incident: IncidentDocument, input: ReviewInput): Promise<'verified' | 'in-review' | 'draft' | 'disputed'> {
  const { status, round } = incident.verification!;
  if (status !== 'in-review') throw new HttpError(409, 'verification.notInReview');
  if (await submittedLinkedReport(reviewer.id, incident)) throw new HttpError(403, 'verification.ownReport');
  const checklist = Object.fromEntries(CHECKLIST_ITEMS.map((item) => [item, input[item] === 'yes'])) as Record<(typeof CHECKLIST_ITEMS)[number], boolean>;
  if (input.decision === 'approve') {
    const missing = CHECKLIST_ITEMS.filter((item) => !checklist[item]);
    if (missing.length) throw new FormValidationError(Object.fromEntries(missing.map((m) => [m, 'verification.checklistRequired'])));
  }
  // A round ends once: verified, or sent back. Sent at once, a completing approval and an objection
  // race for this claim (db/claims.ts); an objection must win it *before* it is recorded, so an
  // objection that lost is refused (409) rather than stored beside a verification it did not stop.
  // A claim whose request died before its write (a crash) is taken over after a while (claimAct).
  const closed = async () => !(await roundOpen(incident, round));
  let roundClosed: string | undefined;
  if (input.decision !== 'approve') {
    roundClosed = await claimAct(roundClosedKey(incident._id, round), reviewer.id, closed);
    if (!roundClosed) throw new HttpError(409, 'verification.notInReview');
  }
  // An approval already on record (its answer lost to a crash, sent again) completes the round if
  // that is what the crash interrupted; it is not recorded or audited twice.
  let repeated = false;
  // Numbered before it is stored, so that no stored review lacks its number (a number whose review
  // was then refused as a repeat, or never written, names nothing and is skipped).
  const reviewId = new mongoose.Types.ObjectId();
  await numberReview(incident._id, reviewId);
  try {
    await Review.create({ _id: reviewId, incident: incident._id, round, reviewer: reviewer.id, decision: input.decision, checklist, note: input.note, at: new Date() });
  } catch (err) {
    if (roundClosed) await releaseClaim(roundClosed);
    if ((err as { code?: number }).code !== 11000) throw err;
    if (input.decision !== 'approve') throw new HttpError(409, 'verification.alreadyReviewed');
    repeated = true;
  }
  if (!repeated) await recordAuditEvent({ actor: userActor(reviewer), action: `incident.review.${input.decision}`, subject: subject(incident), details: { round, checklist, note: input.note } });

  if (input.decision === 'approve') {
    const approvers = await takeApprovalSlot(incident._id, round, reviewer.id);
    if (approvers.length < APPROVALS_NEEDED) {
      if (repeated) throw new HttpError(409, 'verification.alreadyApproved');
      // The other reviewers hear that it waits for a second approval.
      await notifyRole('reviewer', 'incident.awaiting-approval', incident.ref, reviewer.id);
      return 'in-review';
    }
    // Only the request that wins the round's claim moves the status; if an objection won it, the
    // round was sent back and this approval verifies nothing.
    if (!(await claimAct(roundClosedKey(incident._id, round), reviewer.id, closed))) {
      if (repeated) throw new HttpError(409, 'verification.alreadyApproved');
      const now = await Incident.findById(incident._id, { verification: 1 }).lean();
      return (now?.verification?.status ?? 'in-review') as 'verified' | 'in-review' | 'draft' | 'disputed';
    }
    // Each write returns the incident as written: the catalogue takes it from there (no re-read).
    let written = await concurrentChange(incident, round);
    if (!written) {
      const verified = await Incident.findByIdAndUpdate(
        incident._id,
        { $set: { 'verification.status': 'verified', 'verification.verifiedAt': new Date(), published: incident.visibility === 'public' } },
        after,
      ).lean();
      written = (await concurrentChange(incident, round)) ?? verified;
    }
    await publish({ kind: 'incidents-written', docs: [written] });
    const overtaken = (written as { verification?: { status?: string } } | null)?.verification?.status !== 'verified';
    await recordAuditEvent({ actor: userActor(reviewer), action: 'incident.verified', subject: subject(incident), details: { round, approvers: approvers.map(String), ...(overtaken ? { overtakenBy: 'concurrent edit or retraction' } : {}) } });
    if (!overtaken && (written as { published?: boolean }).published) await tellReportersPublished(incident);
    return overtaken ? 'in-review' : 'verified';
  }
  const back = input.decision === 'reject' ? 'disputed' : 'draft';
  await publish({ kind: 'incidents-written', docs: [await Incident.findByIdAndUpdate(incident._id, { $set: { 'verification.status': back, 'verification.round': round + 1, published: false } }, after).lean()] });
  await recordAuditEvent({ actor: userActor(reviewer), action: 'incident.sent-back', subject: subject(incident), details: { to: back, round } });
  return back;
}

export async function retractIncident(actor: Express.User, incident: IncidentDocument, reason: string): Promise<void> {
  if (incident.verification!.status === 'retracted') throw new HttpError(409, 'incidents.retracted');
  // Retracted once; the round's claim too, so an approval completing now cannot publish it again
  // (and one that completed just before defers to this claim: deferToConcurrentChange).
  const retracted = async () => (await Incident.findById(incident._id, { verification: 1 }).lean())?.verification?.status === 'retracted';
  if (!(await claimAct(retractedKey(incident._id), actor.id, retracted))) throw new HttpError(409, 'incidents.retracted');
  await claim(roundClosedKey(incident._id, incident.verification!.round), actor.id);
  await publish({ kind: 'incidents-written', docs: [await Incident.findByIdAndUpdate(incident._id, { $set: { 'verification.status': 'retracted', published: false, retraction: { reason, at: new Date() } } }, after).lean()] });
  await recordAuditEvent({ actor: userActor(actor), action: 'incident.retracted', subject: subject(incident), details: { reason, from: incident.verification!.status } });
}

/**
 * An incident's reviews are numbered 1, 2, 3 … by claims (`incident:<id>:review:<n>`, each naming
 * a review's `_id`), taken in order by unique insert. Why: listing an incident's reviews with a
 * `{incident}` query scans every review on the embedded engine (about two per incident: 200,000 at
 * 100,000 incidents) on every staff view of an incident; walking its numbers is a few reads by `_id`.
 */
export async function numberReview(incidentId: unknown, reviewId: unknown): Promise<void> {
  await claimNextNumber(reviewsKey(incidentId), String(reviewId));
}

function reviewsKey(incidentId: unknown): string {
  return `incident:${String(incidentId)}:review`;
}

/** An incident's reviews in the order they were numbered (the order they were sent), each once. */
export async function reviewsOf(incident: { _id: unknown }): Promise<ReviewDocument[]> {
  const ids = [...new Set(await numberedHolders(reviewsKey(incident._id)))];
  const reviews: ReviewDocument[] = [];
  for (const id of ids) {
    const review = mongoose.isValidObjectId(id) ? await Review.findById(id).populate('reviewer', 'name roles') : null;
    if (review) reviews.push(review);
  }
  return reviews;
}
