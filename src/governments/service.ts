import type { AuditActor } from '../audit/index.js';
import { createReference, updateReference, type ReferenceKind } from '../reference/service.js';
import { Government, type GovernmentDocument } from './model.js';
import type { GovernmentInput } from './schema.js';

export const governmentKind: ReferenceKind<unknown> = {
  model: Government as never,
  subjectType: 'government',
  auditedFields: ['slug', 'country', 'name', 'nameAr', 'summary', 'summaryAr', 'agencies'],
};

function toRecord(input: GovernmentInput): Record<string, unknown> & { slug: string } {
  const { _csrf: _ignored, ...fields } = input;
  return fields;
}

export async function createGovernment(actor: AuditActor, input: GovernmentInput): Promise<GovernmentDocument> {
  return (await createReference(governmentKind, actor, toRecord(input))) as unknown as GovernmentDocument;
}

export async function updateGovernment(actor: AuditActor, government: GovernmentDocument, input: GovernmentInput): Promise<void> {
  await updateReference(governmentKind, actor, government as never, toRecord(input));
}

export function listGovernments(): Promise<GovernmentDocument[]> {
  return Government.find({}).sort({ name: 1 }).limit(2000);
}
