import { z } from 'zod';
import { formObject, requiredText, text } from '../http/validate.js';
import { countryField, objectIdOrEmpty, optionalCountry, optionalIsoDate, optionalUrl, rows } from '../reference/fields.js';
import { lineList, slugField } from '../reference/slugs.js';

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
  summaryAr: text(4000).default(''),
  formerNames: rows(
    z.strictObject({ name: requiredText(160), from: optionalIsoDate, to: optionalIsoDate }),
    10,
  ),
});
export type VendorInput = z.infer<typeof vendorSchema>;
export { countryField };
