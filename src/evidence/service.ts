import { createHash } from 'node:crypto';
import { takeRevision } from '../db/claims.js';
import mongoose from 'mongoose';
import { AuditEvent, recordAuditEvent, systemActor, userActor, type AuditActor } from '../audit/index.js';
import { open, seal, type Sealed } from '../vault/index.js';
import type { IncidentDocument } from '../incidents/model.js';
import { getSetting, setSetting } from '../settings/model.js';
import { Evidence, type EvidenceDocument } from './model.js';
import { inspect, sanitiseName } from './inspect.js';
import type { SealedFileStore } from '../storage/sealed-files.js';
import { publish } from '../events/index.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const DERIVATION = 'sharp re-encode (same format, orientation applied), all metadata removed: EXIF, GPS, XMP, IPTC, ICC';

export interface Upload {
  buffer: Buffer;
  originalname: string;
}

/**
 * Stores files as evidence. Every file is inspected before anything is written, so one bad file
 * refuses the whole request and stores nothing. Files are written before their records; a failure
 * half-way removes what was written. The uploader may be anonymous (a report without an account).
 */
export async function storeEvidence(props: { store: SealedFileStore; incident?: IncidentDocument; uploader?: Express.User; files: Upload[] }): Promise<{ items: EvidenceDocument[]; stripped: string[] }> {
  const inspected = [];
  for (const file of props.files) inspected.push({ file, name: sanitiseName(file.originalname), result: await inspect(file.buffer, file.originalname) });
  const written: string[] = [];
  const items: EvidenceDocument[] = [];
  try {
    for (const { file, name, result } of inspected) {
      const originalId = props.store.write(file.buffer);
      written.push(originalId);
      let working;
      if (result.working) {
        const workingId = props.store.write(result.working.buffer);
        written.push(workingId);
        working = { file: workingId, sha256: sha256(result.working.buffer), size: result.working.buffer.length, mediaType: result.working.mediaType };
      }
      const doc = await Evidence.create({
        name: evidenceLabel(sha256(file.buffer), name),
        sealedName: seal(name),
        original: { file: originalId, sha256: sha256(file.buffer), size: file.buffer.length, mediaType: result.mediaType },
        ...(working ? { working, derivation: DERIVATION, metadataStripped: true } : {}),
        ...(props.incident ? { incident: props.incident._id } : {}),
        ...(props.uploader ? { uploader: props.uploader.id } : {}),
        receivedAt: new Date(),
      });
      items.push(doc);
      await recordAuditEvent({
        actor: props.uploader ? userActor(props.uploader) : { type: 'anonymous' },
        action: 'evidence.received',
        subject: { type: 'evidence', id: String(doc._id) },
        details: { ...(props.incident ? { incident: props.incident.ref } : {}), sha256: doc.original.sha256, size: doc.original.size, mediaType: result.mediaType, ...(working ? { workingSha256: working.sha256 } : {}) },
      });
    }
  } catch (err) {
    for (const id of written) props.store.remove(id);
    await removeRecords(items);
    throw err;
  }
  // The uploader sees their own file names in this response only; nothing stores them in clear.
  return { items, stripped: inspected.filter((_, i) => items[i]?.metadataStripped).map((f) => f.name) };
}

/** A label that says nothing about the uploader: the content's hash and the accepted extension. */
export function evidenceLabel(sha256Hex: string, sanitisedName: string): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(sanitisedName)?.[1]?.toLowerCase();
  return `file-${sha256Hex.slice(0, 12)}${ext ? `.${ext}` : ''}`;
}

/**
 * Earlier versions stored evidence file names in clear: seal them and put the label in their
 * place. Idempotent (only records without a sealed name), run at start-up, audited with a count.
 */
export async function sealEvidenceNames(): Promise<number> {
  let sealed = 0;
  for await (const e of Evidence.find({ sealedName: null }).cursor()) {
    await Evidence.updateOne({ _id: e._id }, { $set: { sealedName: seal(e.name), name: evidenceLabel(e.original.sha256, e.name) } });
    sealed += 1;
  }
  if (sealed) await recordAuditEvent({ actor: systemActor, action: 'evidence.names.sealed', details: { count: sealed } });
  return sealed;
}

/** The name the file had when it was uploaded, for a reviewer who needs it; the read is audited. */
export async function revealEvidenceName(actor: AuditActor, evidence: EvidenceDocument): Promise<string> {
  const name = evidence.sealedName?.ct ? open(evidence.sealedName as Sealed) : evidence.name;
  await recordAuditEvent({ actor, action: 'evidence.name.revealed', subject: { type: 'evidence', id: String(evidence._id) } });
  return name;
}

export async function receiveEvidence(props: { store: SealedFileStore; incident: IncidentDocument; uploader: Express.User; files: Upload[] }) {
  return storeEvidence(props);
}

/** After the report that carries them was stored: link the files to it (custody: 'attached'). */
export async function attachToReport(items: EvidenceDocument[], report: { _id: unknown; ref: string }, actor: AuditActor): Promise<void> {
  if (!items.length) return;
  // One write per file, by `_id` (an `$in` filter scans the whole collection on the embedded engine).
  for (const item of items) await Evidence.updateOne({ _id: item._id }, { $set: { report: report._id } });
  for (const item of items) {
    await recordAuditEvent({ actor, action: 'evidence.attached', subject: { type: 'evidence', id: String(item._id) }, details: { report: report.ref } });
  }
}

/**
 * The report's files a reviewer chose to carry into the incident built from it: each is attached
 * (by id; only files of that report), with a custody entry. The others stay with the report only.
 */
export async function carryToIncident(report: { _id: unknown; ref: string }, incident: { _id: unknown; ref: string }, ids: readonly string[], actor: AuditActor): Promise<number> {
  if (!ids.length) return 0;
  const chosen = (await evidenceOfReport(report)).filter((e) => ids.includes(String(e._id)));
  if (!chosen.length) return 0;
  for (const item of chosen) await Evidence.updateOne({ _id: item._id }, { $set: { incident: incident._id } });
  for (const item of chosen) {
    await recordAuditEvent({ actor, action: 'evidence.attached', subject: { type: 'evidence', id: String(item._id) }, details: { incident: incident.ref, fromReport: report.ref } });
  }
  return chosen.length;
}

/** Whether staff pages may show a preview: an image with a working copy (never the original). */
export function previewable(e: { working?: { file?: string | null; mediaType?: string | null } | null }): boolean {
  return Boolean(e.working?.file && /^image\/(jpeg|png|webp)$/.test(e.working.mediaType ?? ''));
}

/** Removes stored evidence again (the submission it came with was refused). */
export async function discardEvidence(store: SealedFileStore, items: EvidenceDocument[]): Promise<void> {
  for (const item of items) {
    store.remove(item.original.file);
    if (item.working?.file) store.remove(item.working.file);
  }
  await removeRecords(items);
}

/** Deletes evidence records one by one, by `_id` (an `$in` filter scans the whole collection on the embedded engine). */
async function removeRecords(items: readonly { _id: unknown }[]): Promise<void> {
  for (const item of items) await Evidence.deleteOne({ _id: item._id });
}

/** Working copies a reviewer marked public, for the public page of a published incident. */
export async function publicEvidenceOf(incidentId: unknown) {
  const items = await Evidence.find({ incident: incidentId, classification: 'public' } as never).sort({ receivedAt: 1 }).lean();
  return items.filter((e) => e.working?.file).map((e) => ({ id: String(e._id), name: e.name, sha256: e.working!.sha256, size: e.working!.size, mediaType: e.working!.mediaType }));
}

export function evidenceOfReport(report: { _id: unknown }): Promise<EvidenceDocument[]> {
  return Evidence.find({ report: report._id } as never).sort({ receivedAt: 1 });
}

export async function setClassification(actor: AuditActor, evidence: EvidenceDocument, classification: 'restricted' | 'public'): Promise<void> {
  if (evidence.classification === classification) return;
  // From the revision as read (db/claims.ts): two reviewers classifying at once cannot both be
  // recorded while only the last one holds; the later one gets 409 and changes nothing.
  await takeRevision(`evidence:${String(evidence._id)}`, evidence.revision, actor.id ?? actor.type, async () => (await Evidence.findById(evidence._id, { revision: 1 }).lean())?.revision);
  await Evidence.updateOne({ _id: evidence._id }, { $set: { classification, revision: evidence.revision + 1 } });
  await recordAuditEvent({ actor, action: 'evidence.classified', subject: { type: 'evidence', id: String(evidence._id) }, details: { from: evidence.classification, to: classification } });
  // The public page of its incident lists public working copies.
  await publish({ kind: 'public-data-changed' });
}

export function evidenceOf(incident: { _id: mongoose.Types.ObjectId }): Promise<EvidenceDocument[]> {
  return Evidence.find({ incident: incident._id }).sort({ receivedAt: 1 });
}

export async function findEvidence(id: string): Promise<EvidenceDocument | null> {
  return mongoose.isValidObjectId(id) ? Evidence.findById(id) : null;
}

/** Reads a copy and writes the custody event for it. */
export async function readForDownload(store: SealedFileStore, evidence: EvidenceDocument, which: 'original' | 'working', actor: AuditActor): Promise<{ buffer: Buffer; mediaType: string }> {
  const copy = which === 'original' ? evidence.original : evidence.working!;
  const buffer = store.read(copy.file);
  await recordAuditEvent({ actor, action: 'evidence.downloaded', subject: { type: 'evidence', id: String(evidence._id) }, details: { which, sha256: copy.sha256 } });
  return { buffer, mediaType: copy.mediaType };
}

export function custodyEvents(evidence: EvidenceDocument) {
  return AuditEvent.find({ 'subject.type': 'evidence', 'subject.id': String(evidence._id) }).sort({ _id: 1 }).lean();
}

export interface EvidenceCheck {
  at: string;
  checked: number;
  mismatches: { id: string; which: string; reason: string }[];
}

/** Recomputes the hash of every stored copy (after decryption) and compares it with the record. */
export async function verifyAllEvidence(store: SealedFileStore): Promise<EvidenceCheck> {
  const mismatches: EvidenceCheck['mismatches'] = [];
  let checked = 0;
  for await (const e of Evidence.find({}).cursor()) {
    for (const which of ['original', 'working'] as const) {
      const copy = e[which];
      if (!copy?.file) continue;
      checked += 1;
      try {
        if (sha256(store.read(copy.file)) !== copy.sha256) mismatches.push({ id: String(e._id), which, reason: 'hash differs' });
      } catch (err) {
        mismatches.push({ id: String(e._id), which, reason: (err as Error).message.includes('ENOENT') ? 'file missing' : 'file unreadable or altered (authentication failed)' });
      }
    }
  }
  const result = { at: new Date().toISOString(), checked, mismatches };
  await setSetting('evidenceCheck', result);
  return result;
}

export function lastEvidenceCheck(): Promise<EvidenceCheck | undefined> {
  return getSetting<EvidenceCheck>('evidenceCheck');
}

/**
 * Start-up: remove interrupted writes and files no record refers to. `alone`: this process owns the
 * engine and the evidence directory (the embedded engine; a second app on the same DATA_DIR is
 * refused), so no upload can be in flight and everything unfinished is a leftover of a crash. With a
 * shared MONGODB_URI another app may be half-way through a submission: only what is older than ten
 * minutes is a leftover.
 */
export async function sweepEvidence(store: SealedFileStore, alone: boolean): Promise<string[]> {
  const graceMs = alone ? 0 : 10 * 60_000;
  // Records of a submission that never completed (stored, but linked to neither report nor incident).
  const cutoff = new Date(Date.now() - graceMs);
  const stranded = await Evidence.find({ report: null, incident: null, receivedAt: mongoose.trusted({ $lt: cutoff }) } as never);
  if (stranded.length) await discardEvidence(store, stranded);
  const referenced = new Set<string>();
  for await (const e of Evidence.find({}, { original: 1, working: 1 }).lean().cursor()) {
    if (e.original?.file) referenced.add(e.original.file);
    if (e.working?.file) referenced.add(e.working.file);
  }
  return store.sweep(referenced, graceMs);
}
