import { z } from 'zod';
import { requiredText, text } from '../http/validate.js';
import { optionalIsoDate, rows, webUrl } from '../reference/fields.js';
import { earliest, latest, parseFuzzyDate, type FuzzyDate } from './dates.js';
import { INDICATOR_TYPES, normaliseIndicator } from './indicators.js';
import { SOURCE_KINDS, TARGET_CATEGORIES } from './model.js';

/** zod inputs for the facts shared by the report form and the incident editor. */
const fuzzy = z
  .string()
  .trim()
  .max(10)
  .transform((s, ctx) => {
    if (s === '') return undefined;
    const date = parseFuzzyDate(s);
    if (!date) ctx.addIssue({ code: 'custom', message: 'validation.fuzzyDate' });
    return date;
  });

export const datesInput = z
  .strictObject({ from: fuzzy, to: fuzzy.optional() })
  .superRefine((v, ctx) => {
    if (!v.from) ctx.addIssue({ code: 'custom', path: ['from'], message: 'validation.required' });
    else if (earliest(v.from) > new Date()) ctx.addIssue({ code: 'custom', path: ['from'], message: 'validation.future' });
    if (v.from && v.to && latest(v.to) < earliest(v.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'validation.rangeOrder' });
  })
  .transform((v) => {
    const from = v.from as FuzzyDate;
    return { from, ...(v.to ? { to: v.to } : {}), start: earliest(from), end: latest(v.to ?? from) };
  });

export const targetInput = z.strictObject({
  category: z.enum(TARGET_CATEGORIES, 'validation.required'),
  pseudonym: requiredText(120),
  identity: text(500).default(''),
  contact: text(500).default(''),
  // Anything but an explicit yes is no: consent is never assumed.
  consent: z.enum(['yes', 'no', '']).default('no').transform((v) => (v === 'yes' ? 'yes' : 'no')),
});

export const sourceInput = z.strictObject({
  kind: z.enum(SOURCE_KINDS, 'validation.required'),
  url: z.union([z.literal(''), webUrl]).transform((u) => u || undefined),
  title: requiredText(400),
  publisher: text(200).default(''),
  date: optionalIsoDate,
});

export const indicatorInput = z
  .strictObject({ type: z.enum(INDICATOR_TYPES, 'validation.required'), value: requiredText(2048) })
  .transform((v, ctx) => {
    const value = normaliseIndicator(v.type, v.value);
    if (!value) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'validation.indicator' });
      return z.NEVER;
    }
    return { type: v.type, value };
  });

export const targetsInput = rows(targetInput, 10);
export const sourcesInput = rows(sourceInput, 20);
export const indicatorsInput = rows(indicatorInput, 50);

/** One or several ids from a <select multiple>. */
export const idList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[0-9a-f]{24}$/, 'validation.invalid')).max(20, 'validation.tooMany'));
