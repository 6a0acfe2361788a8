import { z } from 'zod';
import { datesInput, indicatorsInput, sourcesInput } from '../facts/schema.js';
import { TARGET_CATEGORIES } from '../facts/model.js';
import { formObject, requiredText, text } from '../http/validate.js';
import { countryField, objectIdOrEmpty, rows } from '../reference/fields.js';
import { LANGUAGES } from '../i18n/index.js';
import { ATTRIBUTION_KINDS, CONFIDENCE_LEVELS } from './model.js';

const countryList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => [...new Set((v === undefined ? [] : Array.isArray(v) ? v : [v]).filter(Boolean))])
  .pipe(z.array(countryField).min(1, 'validation.oneCountry').max(30, 'validation.tooMany'));

const attributionInput = z
  .strictObject({
    kind: z.enum(ATTRIBUTION_KINDS, 'validation.required'),
    product: objectIdOrEmpty,
    vendor: objectIdOrEmpty,
    government: objectIdOrEmpty,
    agency: text(200).default(''),
    confidence: z.enum(CONFIDENCE_LEVELS, 'validation.required'),
    basis: requiredText(4000),
    sources: z
      .string()
      .trim()
      .max(100)
      .default('')
      .refine((s) => /^(\d+\s*(,\s*\d+\s*)*)?$/.test(s), 'validation.sourceNumbers')
      .transform((s) => [...new Set(s.split(',').map((n) => n.trim()).filter(Boolean).map((n) => Number(n) - 1))]),
  })
  .superRefine((a, ctx) => {
    if (!a[a.kind]) ctx.addIssue({ code: 'custom', path: [a.kind], message: 'validation.attributionEntity' });
  });

export const incidentSchema = formObject({
  title: requiredText(200),
  summary: requiredText(20_000),
  // The language the title and summary are written in; absent, it stays as it was.
  lang: z.enum(LANGUAGES, 'validation.required').optional(),
  dates: datesInput,
  countries: countryList,
  targets: rows(
    z.strictObject({ category: z.enum(TARGET_CATEGORIES, 'validation.required'), pseudonym: requiredText(120), consent: z.enum(['yes', 'no', '']).default('no').transform((v) => (v === 'yes' ? 'yes' : 'no')) }),
    20,
  ),
  attributions: rows(attributionInput, 20),
  sources: sourcesInput,
  indicators: indicatorsInput,
  responses: text(8000).default(''),
  visibility: z.enum(['public', 'restricted']),
});
export type IncidentInput = z.infer<typeof incidentSchema>;

export const reviewSchema = formObject({
  decision: z.enum(['approve', 'request-changes', 'reject'], 'validation.required'),
  sourceIdentified: z.literal('yes').optional(),
  technicalEvidence: z.literal('yes').optional(),
  corroborated: z.literal('yes').optional(),
  riskConsidered: z.literal('yes').optional(),
  note: text(4000).default(''),
});
export type ReviewInput = z.infer<typeof reviewSchema>;

export const retractSchema = formObject({ reason: requiredText(4000) });
