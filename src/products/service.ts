import type { AuditActor } from '../audit/index.js';
import { FormValidationError } from '../http/validate.js';
import { createReference, updateReference, type ReferenceKind } from '../reference/service.js';
import { Vendor } from '../vendors/model.js';
import { Product, type ProductDocument } from './model.js';
import type { ProductInput } from './schema.js';

export const productKind: ReferenceKind<unknown> = {
  model: Product as never,
  subjectType: 'product',
  auditedFields: ['slug', 'name', 'nameAr', 'aliases', 'vendor', 'formerVendors', 'category', 'description', 'descriptionAr'],
};

async function toRecord(input: ProductInput): Promise<Record<string, unknown> & { slug: string }> {
  const { _csrf: _ignored, ...fields } = input;
  if (fields.vendor && !(await Vendor.exists({ _id: fields.vendor }))) throw new FormValidationError({ vendor: 'validation.invalid' });
  for (const [n, f] of fields.formerVendors.entries()) {
    if (!(await Vendor.exists({ _id: f.vendor }))) throw new FormValidationError({ [`formerVendors.${n}.vendor`]: 'validation.invalid' });
  }
  return { ...fields, vendor: fields.vendor ?? null };
}

export async function createProduct(actor: AuditActor, input: ProductInput): Promise<ProductDocument> {
  return (await createReference(productKind, actor, await toRecord(input))) as unknown as ProductDocument;
}

export async function updateProduct(actor: AuditActor, product: ProductDocument, input: ProductInput): Promise<void> {
  await updateReference(productKind, actor, product as never, await toRecord(input));
}

export function listProducts(): Promise<ProductDocument[]> {
  return Product.find({}).sort({ name: 1 }).limit(2000);
}
