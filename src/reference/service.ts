import type { Model } from 'mongoose';
import { recordAuditEvent, type AuditActor } from '../audit/index.js';
import { changedFields } from '../audit/diff.js';
import { FormValidationError } from '../http/validate.js';
import { publish } from '../events/index.js';

/**
 * Create and update for the reference collections (vendors, products, governments): unique slugs
 * that never move silently (a renamed slug is kept in previousSlugs and redirects), and an audit
 * event with the fields that changed.
 */
export interface ReferenceKind<T> {
  model: Model<T>;
  subjectType: 'vendor' | 'product' | 'government' | 'official-action';
  auditedFields: readonly string[];
}

async function assertSlugFree<T>(kind: ReferenceKind<T>, slug: string, selfId?: unknown): Promise<void> {
  const taken = await kind.model.findOne({ $or: [{ slug }, { previousSlugs: slug }] } as never, { _id: 1 }).lean<{ _id: unknown }>();
  if (taken && String(taken._id) !== String(selfId)) throw new FormValidationError({ slug: 'validation.slugTaken' });
}

export async function createReference<T>(kind: ReferenceKind<T>, actor: AuditActor, input: Record<string, unknown> & { slug: string }) {
  await assertSlugFree(kind, input.slug);
  let doc;
  try {
    doc = await kind.model.create(input as never);
  } catch (err) {
    if ((err as { code?: number }).code === 11000) throw new FormValidationError({ slug: 'validation.slugTaken' });
    throw err;
  }
  await publish({ kind: 'entities-changed' });
  await recordAuditEvent({
    actor,
    action: `${kind.subjectType}.created`,
    subject: { type: kind.subjectType, id: String((doc as { _id: unknown })._id) },
    details: { changes: changedFields({}, input, kind.auditedFields) },
  });
  return doc;
}

export async function updateReference<T>(
  kind: ReferenceKind<T>,
  actor: AuditActor,
  doc: InstanceType<Model<T>>,
  input: Record<string, unknown> & { slug: string },
): Promise<void> {
  const current = doc.toObject() as unknown as Record<string, unknown> & { slug: string; previousSlugs?: string[]; _id: unknown };
  const changes = changedFields(current, input, kind.auditedFields);
  if (Object.keys(changes).length === 0) return;
  const update: Record<string, unknown> = { ...input };
  if (input.slug !== current.slug) {
    await assertSlugFree(kind, input.slug, current._id);
    update.previousSlugs = [...new Set([...(current.previousSlugs ?? []), current.slug])].filter((s) => s !== input.slug);
  }
  await kind.model.updateOne({ _id: current._id } as never, { $set: update });
  await publish({ kind: 'entities-changed' });
  await recordAuditEvent({ actor, action: `${kind.subjectType}.updated`, subject: { type: kind.subjectType, id: String(current._id) }, details: { changes } });
}
