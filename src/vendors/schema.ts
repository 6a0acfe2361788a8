import { z } from 'zod';
import { formObject, requiredText, text } from '../http/validate.js';
import { countryField, objectIdOrEmpty, optionalCountry, optionalIsoDate, optionalUrl, rows, webUrl } from '../reference/fields.js';
import { lineList, slugField } from '../reference/slugs.js';
import { LISTING_STATUSES, REGIMES } from './model.js';

export const vendorSchema = formObject({
  slug: slugField,
  name: requiredText(160),
  nameAr: text(160).default(''),
  aliases: lineList(30, 160),
  hqCountry: optionalCountry,
  parent: objectIdOrEmpty,
  successor: objectIdOrEmpty,
  website: optionalUrl,
  summary: text(4000).default(''),
  formerNames: rows(
    z.strictObject({ name: requiredText(160), from: optionalIsoDate, to: optionalIsoDate }),
    10,
  ),
  listings: rows(
    z.strictObject({
      regime: z.enum(REGIMES, 'validation.required'),
      status: z.enum(LISTING_STATUSES, 'validation.required'),
      date: optionalIsoDate,
      citation: requiredText(400),
      url: z.union([z.literal(''), webUrl]).transform((u) => u || undefined),
    }),
    20,
  ),
});
export type VendorInput = z.infer<typeof vendorSchema>;
export { countryField };
