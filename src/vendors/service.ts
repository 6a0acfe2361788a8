import type { AuditActor } from '../audit/index.js';
import { FormValidationError } from '../http/validate.js';
import { createReference, updateReference, type ReferenceKind } from '../reference/service.js';
import { Vendor, type VendorDocument } from './model.js';
import type { VendorInput } from './schema.js';

export const vendorKind: ReferenceKind<unknown> = {
  model: Vendor as never,
  subjectType: 'vendor',
  auditedFields: ['slug', 'name', 'nameAr', 'aliases', 'hqCountry', 'parent', 'successor', 'website', 'summary', 'summaryAr', 'formerNames'],
};

function toRecord(input: VendorInput): Record<string, unknown> & { slug: string } {
  const { _csrf: _ignored, ...fields } = input;
  return { ...fields, parent: fields.parent ?? null, successor: fields.successor ?? null, hqCountry: fields.hqCountry ?? null, website: fields.website ?? null };
}

export async function createVendor(actor: AuditActor, input: VendorInput): Promise<VendorDocument> {
  if (input.parent && !(await Vendor.exists({ _id: input.parent }))) throw new FormValidationError({ parent: 'validation.invalid' });
  return (await createReference(vendorKind, actor, toRecord(input))) as unknown as VendorDocument;
}

export async function updateVendor(actor: AuditActor, vendor: VendorDocument, input: VendorInput): Promise<void> {
  if (input.parent && (input.parent === vendor.id || !(await Vendor.exists({ _id: input.parent })))) {
    throw new FormValidationError({ parent: 'validation.invalid' });
  }
  if (input.successor && (input.successor === vendor.id || !(await Vendor.exists({ _id: input.successor })))) {
    throw new FormValidationError({ successor: 'validation.invalid' });
  }
  await updateReference(vendorKind, actor, vendor as never, toRecord(input));
}

export function listVendors(): Promise<VendorDocument[]> {
  return Vendor.find({}).sort({ name: 1 }).limit(2000);
}
