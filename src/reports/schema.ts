import { z } from 'zod';
import { INFECTION_VECTORS } from '../facts/model.js';
import { datesInput, idList, indicatorsInput, sourcesInput, targetsInput } from '../facts/schema.js';
import { formObject, requiredText, text } from '../http/validate.js';
import { countryField } from '../reference/fields.js';

export const reportSchema = formObject({
  title: requiredText(200),
  narrative: requiredText(20_000),
  dates: datesInput,
  country: countryField,
  targets: targetsInput.refine((t) => t.length > 0, 'validation.oneTarget'),
  suspectedProducts: idList,
  suspectedVendors: idList,
  suspectedGovernments: idList,
  suspectedOther: text(1000).default(''),
  vectorKind: z.enum(INFECTION_VECTORS).default('unknown'),
  vectorDetail: text(2000).default(''),
  sources: sourcesInput,
  indicators: indicatorsInput,
  contact: text(500).default(''),
});
export type ReportInput = z.infer<typeof reportSchema>;

export const messageSchema = formObject({ body: requiredText(5000) });
export const rejectSchema = formObject({ reason: requiredText(2000) });
export const linkSchema = formObject({ incident: z.string().trim().regex(/^I-\d{4}-\d{5}$/, 'validation.incidentRef') });
export const trackSchema = formObject({ code: z.string().trim().min(10, 'validation.receipt').max(80, 'validation.receipt') });
export const trackAnswerSchema = formObject({ code: z.string().trim().min(10).max(80), body: requiredText(5000) });
