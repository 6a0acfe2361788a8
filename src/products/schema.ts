import { z } from 'zod';
import { formObject, requiredText, text } from '../http/validate.js';
import { objectId, objectIdOrEmpty, requiredIsoDate, rows } from '../reference/fields.js';
import { lineList, slugField } from '../reference/slugs.js';
import { PRODUCT_CATEGORIES } from './model.js';

export const productSchema = formObject({
  slug: slugField,
  name: requiredText(160),
  nameAr: text(160).default(''),
  aliases: lineList(30, 160),
  vendor: objectIdOrEmpty,
  formerVendors: rows(z.strictObject({ vendor: objectId, until: requiredIsoDate }), 10),
  category: z.enum(PRODUCT_CATEGORIES, 'validation.required'),
  description: text(4000).default(''),
  descriptionAr: text(4000).default(''),
});
export type ProductInput = z.infer<typeof productSchema>;
