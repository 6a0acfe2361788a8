import mongoose from 'mongoose';
import type { AuditActor } from '../audit/index.js';
import { FormValidationError } from '../http/validate.js';
import { createReference, updateReference, type ReferenceKind } from '../reference/service.js';
import { Vendor } from '../vendors/model.js';
import { OfficialAction, type ActionDocument } from './model.js';
import type { ActionInput } from './schema.js';

export const actionKind: ReferenceKind<unknown> = {
  model: OfficialAction as never,
  subjectType: 'official-action',
  auditedFields: ['slug', 'regime', 'kind', 'date', 'citation', 'url', 'entities', 'basis', 'basisAr'],
};

/** Every company named once, and each one a vendor on record. */
async function checkEntities(input: ActionInput): Promise<void> {
  const ids = input.entities.map((e) => e.vendor);
  const duplicate = ids.findIndex((id, n) => ids.indexOf(id) !== n);
  if (duplicate >= 0) throw new FormValidationError({ [`entities.${duplicate}.vendor`]: 'listings.namedTwice' });
  const known = new Set((await Vendor.find({ _id: mongoose.trusted({ $in: ids }) } as never, { _id: 1 }).lean()).map((v) => String(v._id)));
  const unknown = ids.findIndex((id) => !known.has(id));
  if (unknown >= 0) throw new FormValidationError({ [`entities.${unknown}.vendor`]: 'validation.invalid' });
}

function toRecord(input: ActionInput): Record<string, unknown> & { slug: string } {
  const { _csrf: _ignored, ...fields } = input;
  return { ...fields, entities: fields.entities.map((e) => ({ vendor: new mongoose.Types.ObjectId(e.vendor), asNamed: e.asNamed })) };
}

/**
 * A vendor's listings are derived from the actions naming it: a signed dossier that names the vendor
 * compares the vendor's last edit (dossiers/status.ts), so the vendors an action names or named are
 * marked as changed.
 */
async function touchVendors(ids: string[]): Promise<void> {
  if (ids.length) await Vendor.updateMany({ _id: mongoose.trusted({ $in: [...new Set(ids)] }) } as never, { $set: { updatedAt: new Date() } }, { timestamps: false });
}

export async function createAction(actor: AuditActor, input: ActionInput): Promise<ActionDocument> {
  await checkEntities(input);
  const created = (await createReference(actionKind, actor, toRecord(input))) as unknown as ActionDocument;
  await touchVendors(input.entities.map((e) => e.vendor));
  return created;
}

export async function updateAction(actor: AuditActor, action: ActionDocument, input: ActionInput): Promise<void> {
  await checkEntities(input);
  const before = action.entities.map((e) => String(e.vendor));
  await updateReference(actionKind, actor, action as never, toRecord(input));
  await touchVendors([...before, ...input.entities.map((e) => e.vendor)]);
}

export function listActions(): Promise<ActionDocument[]> {
  return OfficialAction.find({}).sort({ date: -1, slug: 1 }).limit(2000);
}
