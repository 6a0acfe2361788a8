import { heldPageRead } from '../review/held-reads.js';
import { Claim, claim, releaseClaim, takeRevision } from '../db/claims.js';
import mongoose from 'mongoose';
import { anonymousActor, recordAuditEvent, userActor, type AuditActor } from '../audit/index.js';
import type { Config } from '../config.js';
import { insertWithNextRef } from '../db/sequence.js';
import { Government } from '../governments/model.js';
import { HttpError, notFound } from '../http/errors.js';
import { FormValidationError } from '../http/validate.js';
import { Product } from '../products/model.js';
import { open, sealOptional, type Sealed } from '../vault/index.js';
import { Vendor } from '../vendors/model.js';
import { User } from '../auth/model.js';
import type { NotifyKind } from '../notifications/model.js';
import { notify, notifyRole } from '../notifications/service.js';
import { attachToReport, discardEvidence, storeEvidence, type Upload } from '../evidence/service.js';
import type { SealedFileStore } from '../storage/sealed-files.js';
import { Report, ReportMessage, type ReportDocument, type ReportRecord } from './model.js';
import { hashReceiptCode, newReceiptCode } from './receipt.js';
import { keepQueued, ROW_FIELDS, type ReportRow } from './queue.js';
import type { ReportInput } from './schema.js';

export type ReportSettings = Pick<Config, 'ANONYMOUS_REPORTS' | 'ANONYMOUS_REPORTS_PER_HOUR'>;

async function assertAllExist(model: mongoose.Model<never>, ids: string[], field: string): Promise<void> {
  if (ids.length === 0) return;
  const found = await model.countDocuments({ _id: mongoose.trusted({ $in: ids }) } as never);
  if (found !== new Set(ids).size) throw new FormValidationError({ [field]: 'validation.invalid' });
}

/**
 * Site-wide budget for anonymous submissions. It holds behind Tor, where every visitor arrives from
 * the same address and a per-address limit would either block everyone or no one.
 */
async function takeAnonymousSlot(settings: ReportSettings, now: Date): Promise<() => Promise<void>> {
  // The budget is per clock hour (UTC), one claim per slot: at most N claims can be won in an hour
  // however many submissions race (a count read first and decided on let 87 of 89 through).
  const hour = now.toISOString().slice(0, 13);
  const hourStart = new Date(`${hour}:00:00Z`);
  // Only a hint where to start looking; the claims decide.
  const hint = await Report.countDocuments({ 'submitter.user': null, submittedAt: mongoose.trusted({ $gte: hourStart }) });
  const budget = settings.ANONYMOUS_REPORTS_PER_HOUR;
  // From the hint up, then (a slot given back by a failed submission) from the start.
  const order = [...Array.from({ length: Math.max(0, budget - hint) }, (_, i) => hint + 1 + i), ...Array.from({ length: Math.min(hint, budget) }, (_, i) => i + 1)];
  for (const slot of order) {
    const key = `anonymous-report:${hour}:${slot}`;
    if (await claim(key, 'anonymous')) return () => releaseClaim(key);
  }
  throw new HttpError(429, 'reports.anonymousBusy');
}

export async function submitReport(props: {
  input: ReportInput;
  user?: Express.User;
  settings: ReportSettings;
  evidence?: { store: SealedFileStore; files: Upload[] };
}): Promise<{ report: ReportDocument; receiptCode?: string; stripped: string[]; files: number }> {
  const { user } = props;
  if (!user) {
    if (!props.settings.ANONYMOUS_REPORTS) throw new HttpError(403, 'reports.anonymousClosed');
  }
  const releaseSlot = user ? undefined : await takeAnonymousSlot(props.settings, new Date());
  try {
    return await storeReport(props);
  } catch (err) {
    // Nothing was stored: the slot goes back to the budget.
    await releaseSlot?.();
    throw err;
  }
}

async function storeReport(props: Parameters<typeof submitReport>[0]): ReturnType<typeof submitReport> {
  const { input, user } = props;
  await assertAllExist(Product as never, input.suspectedProducts, 'suspectedProducts');
  await assertAllExist(Vendor as never, input.suspectedVendors, 'suspectedVendors');
  await assertAllExist(Government as never, input.suspectedGovernments, 'suspectedGovernments');

  // Files first: if one is refused (415), nothing of the submission is stored.
  const stored = props.evidence?.files.length ? await storeEvidence({ store: props.evidence.store, uploader: user, files: props.evidence.files }) : { items: [], stripped: [] };
  const receiptCode = user ? undefined : newReceiptCode();
  const now = new Date();
  let report: ReportDocument;
  try {
    report = (await insertWithNextRef(
      Report as never,
      'R',
      () => ({
        title: input.title,
        narrative: input.narrative,
        dates: input.dates,
        country: input.country,
        targets: input.targets.map((t) => ({
          category: t.category,
          pseudonym: t.pseudonym,
          identity: sealOptional(t.identity),
          contact: sealOptional(t.contact),
          consentToPublish: t.consent === 'yes',
        })),
        suspected: {
          products: input.suspectedProducts,
          vendors: input.suspectedVendors,
          governments: input.suspectedGovernments,
          other: input.suspectedOther,
        },
        infectionVector: { kind: input.vectorKind, detail: input.vectorDetail },
        sources: input.sources,
        indicators: input.indicators,
        submitter: {
          ...(user ? { user: user.id } : { receiptHash: hashReceiptCode(receiptCode!) }),
          contact: sealOptional(input.contact),
        },
        status: 'submitted',
        submittedAt: now,
        evidence: stored.items.map((i) => i._id),
      }),
      now,
    )) as unknown as ReportDocument;
  } catch (err) {
    if (props.evidence) await discardEvidence(props.evidence.store, stored.items);
    throw err;
  }
  await rememberReport(report);
  await keepQueued([report]);
  await attachToReport(stored.items, report, user ? userActor(user) : anonymousActor);

  await recordAuditEvent({
    actor: user ? userActor(user) : anonymousActor,
    action: 'report.submitted',
    subject: { type: 'report', id: report.ref },
    details: { targets: input.targets.length, sources: input.sources.length, indicators: input.indicators.length, files: stored.items.length },
  });
  await notifyRole('reviewer', 'report.new', report.ref, user?.id);
  return { report, ...(receiptCode ? { receiptCode } : {}), stripped: stored.stripped, files: stored.items.length };
}

/**
 * Where a report is, by reference or by receipt: claims naming its `_id` (`report-ref:<ref>`,
 * `report-receipt:<hash of the code>`), taken when it is stored, so that finding it is two reads by
 * `_id` instead of a query that scans every report on the embedded engine (every report page and
 * every action on a report starts with this). A report stored before this, or whose claim a crash
 * left untaken, is found by the query once and remembered then; a claim that names something else
 * (it cannot, but) is not trusted.
 */
async function rememberReport(report: { _id: unknown; ref: string; submitter?: { receiptHash?: string | null } | null }): Promise<void> {
  await claim(`report-ref:${report.ref}`, String(report._id));
  if (report.submitter?.receiptHash) await claim(`report-receipt:${report.submitter.receiptHash}`, String(report._id));
}

async function reportByKey(key: string, query: Record<string, string>, matches: (doc: ReportDocument) => boolean): Promise<ReportDocument | null> {
  const held = await Claim.findById(key, { by: 1 }).lean();
  if (held && mongoose.isValidObjectId(held.by)) {
    const doc = await Report.findById(held.by);
    if (doc && matches(doc)) return doc;
  }
  const doc = await Report.findOne(query);
  if (doc) await rememberReport(doc);
  return doc;
}

export async function findReport(ref: string): Promise<ReportDocument | null> {
  if (!/^R-\d{4}-\d{5}$/.test(ref)) return null;
  return reportByKey(`report-ref:${ref}`, { ref }, (doc) => doc.ref === ref);
}

/**
 * A report for a page that only shows it, held briefly (review/held-reads.ts): several reviewers on
 * the same report, or a reload, send no query. Plain data: no Mongoose document is built for a read,
 * which was a seventh of a report page's time under load. Commands start from `findReport`: they act
 * on the stored revision.
 */
export async function reportToShow(ref: string): Promise<ReportRecord | null> {
  return heldPageRead(`report:${ref}`, async () => (await findReport(ref))?.toObject() ?? null);
}

export async function findReportByReceipt(code: string): Promise<ReportDocument | null> {
  const hash = hashReceiptCode(code);
  return reportByKey(`report-receipt:${hash}`, { 'submitter.receiptHash': hash }, (doc) => doc.submitter?.receiptHash === hash);
}

export function reportsOf(userId: string): Promise<ReportRow[]> {
  return Report.find({ 'submitter.user': userId }, ROW_FIELDS).sort({ submittedAt: -1 }).limit(500).lean<ReportRow[]>();
}

/**
 * Every status change of a report starts from the revision it was read at, and only one change per
 * revision happens (db/claims.ts): triage, a question, an answer, a rejection or a link sent at once
 * cannot undo one another; the others get 409 and change nothing. Returns the release for a change
 * that fails after winning, so the report can be changed from that revision again.
 */
function takeReportChange(report: ReportDocument, actor: AuditActor, refused = 'errors.changedMeanwhile'): Promise<() => Promise<void>> {
  const current = async () => (await Report.findById(report._id, { revision: 1 }).lean())?.revision;
  return takeRevision(`report:${report.ref}`, report.revision, actor.id ?? actor.type, current, refused);
}

/**
 * Every change of a stored report (a status, an assignment): the write, then its queue row from the
 * report as written (reports/queue.ts; the whole report, as FerretDB 1.24 has no projection in
 * findAndModify). A new report is queued where it is stored.
 */
async function writeReport(report: { _id: unknown }, update: Record<string, unknown>): Promise<void> {
  const written = await Report.findOneAndUpdate({ _id: report._id }, update, { returnDocument: 'after' }).lean();
  if (written) await keepQueued([written]);
}

/** After takeReportChange was won: the winner's write, with the next revision, then its audit event. */
async function setStatus(
  report: ReportDocument,
  actor: AuditActor,
  action: string,
  set: Record<string, unknown>,
  details: Record<string, unknown> = {},
): Promise<void> {
  await writeReport(report, { $set: { ...set, revision: report.revision + 1 } });
  await recordAuditEvent({ actor, action, subject: { type: 'report', id: report.ref }, details: { from: report.status, ...details } });
}

function assertOpen(report: ReportDocument): void {
  if (report.status === 'linked' || report.status === 'rejected') throw new HttpError(409, 'reports.closed');
}

/**
 * A report is closed once: rejected, linked to an incident, or turned into a new incident. Sent at
 * once, those acts race for the report's revision; the one that wins it happens, the others get 409
 * and change nothing. Returns a release for a command that fails after winning, so the report stays open.
 */
export async function claimReportClosure(report: ReportDocument, actor: AuditActor): Promise<() => Promise<void>> {
  assertOpen(report);
  return takeReportChange(report, actor, 'reports.closed');
}

export async function triageReport(actor: AuditActor, report: ReportDocument): Promise<void> {
  assertOpen(report);
  if (report.status === 'triaged') return;
  await takeReportChange(report, actor);
  await setStatus(report, actor, 'report.triaged', { status: 'triaged' }, { to: 'triaged' });
  await tellSubmitter(report, 'report.triaged');
}

/** The submitter hears of it when they have an account; an anonymous submitter is never contacted. */
async function tellSubmitter(report: ReportDocument, kind: NotifyKind): Promise<void> {
  if (report.submitter?.user) await notify([String(report.submitter.user)], kind, report.ref);
}

/** Stores a message once its status change was won; a failed insert gives the revision back. */
async function storeMessage(release: () => Promise<void>, fields: Record<string, unknown>) {
  try {
    return await ReportMessage.create({ ...fields, at: new Date() });
  } catch (err) {
    await release();
    throw err;
  }
}

export async function requestInformation(actor: AuditActor, report: ReportDocument, body: string): Promise<void> {
  assertOpen(report);
  const release = await takeReportChange(report, actor);
  const message = await storeMessage(release, { report: report._id, from: 'reviewer', author: actor.id, body });
  await setStatus(report, actor, 'report.info-requested', { status: 'needs-info' }, { to: 'needs-info', message: String(message._id) });
  await tellSubmitter(report, 'report.needs-info');
}

/**
 * The submitter's answer to a reviewer's question: the report goes back to the reviewers. One answer
 * per question: answers sent at once race for it; the one confirmed is the one stored, the others
 * are told the question was already answered.
 */
export async function answerQuestion(actor: AuditActor, report: ReportDocument, body: string): Promise<void> {
  if (report.status !== 'needs-info') throw new HttpError(409, 'reports.noQuestion');
  const release = await takeReportChange(report, actor, 'reports.noQuestion');
  const message = await storeMessage(release, { report: report._id, from: 'submitter', ...(actor.id ? { author: actor.id } : {}), body });
  await setStatus(report, actor, 'report.answered', { status: 'triaged' }, { to: 'triaged', message: String(message._id) });
  // The reviewer who asked hears of the answer.
  const asked = await ReportMessage.findOne({ report: report._id, from: 'reviewer' }).sort({ at: -1, _id: -1 }).lean();
  if (asked?.author) await notify([String(asked.author)], 'report.answered', report.ref);
}

/** Every message of a report in order: older ones kept on the report, newer ones one document each. */
export async function messagesOf(report: Pick<ReportRecord, '_id' | 'messages'>): Promise<{ from: string; body: string; at: Date }[]> {
  const stored = await ReportMessage.find({ report: report._id }).sort({ at: 1, _id: 1 }).lean();
  return [...report.messages.map((m) => ({ from: m.from, body: m.body, at: m.at })), ...stored.map((m) => ({ from: m.from, body: m.body, at: m.at }))].sort((a, b) => a.at.getTime() - b.at.getTime());
}

export async function rejectReport(actor: AuditActor, report: ReportDocument, reason: string): Promise<void> {
  await claimReportClosure(report, actor);
  await setStatus(report, actor, 'report.rejected', { status: 'rejected', rejectionReason: reason }, { to: 'rejected' });
  await tellSubmitter(report, 'report.rejected');
}

/** After claimReportClosure was won by a link or a new incident. */
export async function markLinked(actor: AuditActor, report: ReportDocument, incident: { _id: unknown; ref: string }): Promise<void> {
  await setStatus(report, actor, 'report.linked', { status: 'linked', linkedIncident: incident._id }, { to: 'linked', incident: incident.ref });
  await tellSubmitter(report, 'report.linked');
}

export interface RevealedIdentities {
  targets: { pseudonym: string; identity: string; contact: string }[];
  submitterContact: string;
}

function openOptional(sealed: Sealed | null | undefined): string {
  return sealed && sealed.ct ? open(sealed) : '';
}

/** Decrypts a report's protected fields for a reviewer who asked explicitly; the read is audited. */
export async function revealReport(actor: AuditActor, report: ReportDocument): Promise<RevealedIdentities> {
  const revealed = {
    targets: report.targets.map((t) => ({ pseudonym: t.pseudonym, identity: openOptional(t.identity as Sealed), contact: openOptional(t.contact as Sealed) })),
    submitterContact: openOptional(report.submitter?.contact as Sealed),
  };
  await recordAuditEvent({
    actor,
    action: 'report.identity.revealed',
    subject: { type: 'report', id: report.ref },
    details: { targets: revealed.targets.filter((t) => t.identity || t.contact).length, submitterContact: Boolean(revealed.submitterContact) },
  });
  return revealed;
}

/**
 * Other reports that may describe the same incident: a shared source URL, a shared indicator, or
 * the same country and suspected product with a target of the same category in overlapping dates.
 */
export async function possibleDuplicates(report: ReportRecord): Promise<{ ref: string; title: string; reasons: string[] }[]> {
  const self = mongoose.trusted({ $ne: report._id });
  const urls = report.sources.map((s) => s.url).filter((u): u is string => Boolean(u));
  const values = report.indicators.map((i) => i.value);
  const found = new Map<string, { ref: string; title: string; reasons: Set<string> }>();
  const add = (docs: ReportDocument[], reason: string) => {
    for (const d of docs) {
      const entry = found.get(d.ref) ?? { ref: d.ref, title: d.title, reasons: new Set<string>() };
      entry.reasons.add(reason);
      found.set(d.ref, entry);
    }
  };
  if (urls.length) add(await Report.find({ _id: self, 'sources.url': mongoose.trusted({ $in: urls }) } as never).limit(20), 'source');
  if (values.length) add(await Report.find({ _id: self, 'indicators.value': mongoose.trusted({ $in: values }) } as never).limit(20), 'indicator');
  const products = report.suspected?.products ?? [];
  if (products.length) {
    const candidates = await Report.find({
      _id: self,
      country: report.country,
      'suspected.products': mongoose.trusted({ $in: products }),
      'dates.start': mongoose.trusted({ $lte: report.dates.end }),
      'dates.end': mongoose.trusted({ $gte: report.dates.start }),
    } as never).limit(20);
    const categories = new Set(report.targets.map((t) => t.category));
    add(candidates.filter((c) => c.targets.some((t) => categories.has(t.category))), 'pattern');
  }
  return [...found.values()].map((e) => ({ ref: e.ref, title: e.title, reasons: [...e.reasons] }));
}

export { notFound };

/**
 * Who holds a report. Taking it works only while nobody holds it; giving it (to an active reviewer)
 * or releasing it works any time. Each change is the one change from the assignment revision read
 * (db/claims.ts takeRevision): of two reviewers taking the same report at once, one holds it and the
 * other is told it was taken (409). The reviewer given a report hears of it.
 */
export async function assignReport(actor: AuditActor & { id: string }, report: ReportDocument, to: string | null, mode: 'take' | 'give' | 'release'): Promise<void> {
  if (mode === 'take' && report.assignee && String(report.assignee) !== actor.id) throw new HttpError(409, 'review.heldByOther');
  if (to) {
    const reviewer = await User.findById(to, { roles: 1, status: 1 }).lean();
    if (!reviewer || reviewer.status !== 'active' || !reviewer.roles.includes('reviewer')) throw new FormValidationError({ assignee: 'validation.invalid' });
  }
  const revision = report.assignmentRevision ?? 0;
  const current = async () => (await Report.findById(report._id, { assignmentRevision: 1 }).lean())?.assignmentRevision ?? 0;
  await takeRevision(`report:${report.ref}:assignee`, revision, actor.id, current, mode === 'take' ? 'review.heldByOther' : 'errors.changedMeanwhile');
  await writeReport(report, to ? { $set: { assignee: to, assignmentRevision: revision + 1 } } : { $set: { assignmentRevision: revision + 1 }, $unset: { assignee: '' } });
  await recordAuditEvent({ actor, action: 'report.assigned', subject: { type: 'report', id: report.ref }, details: { to: to ?? null, from: report.assignee ? String(report.assignee) : null, mode } });
  if (to && to !== actor.id) await notify([to], 'report.assigned', report.ref);
}
