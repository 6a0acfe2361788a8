import { z } from 'zod';
import { formObject, requiredText, text } from '../http/validate.js';
import { countryField, rows } from '../reference/fields.js';
import { slugField } from '../reference/slugs.js';
import { AGENCY_KINDS } from './model.js';

export const governmentSchema = formObject({
  slug: slugField,
  country: countryField,
  name: requiredText(160),
  nameAr: text(160).default(''),
  summary: text(4000).default(''),
  summaryAr: text(4000).default(''),
  agencies: rows(z.strictObject({ name: requiredText(200), kind: z.enum(AGENCY_KINDS, 'validation.required') }), 20),
});
export type GovernmentInput = z.infer<typeof governmentSchema>;
