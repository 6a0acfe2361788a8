import { z } from 'zod';
import { formObject, requiredText, text } from '../http/validate.js';
import { objectId, requiredIsoDate, rows, webUrl } from '../reference/fields.js';
import { slugField } from '../reference/slugs.js';
import { REGIMES } from '../vendors/model.js';
import { ACTION_KINDS } from './model.js';

export const actionSchema = formObject({
  slug: slugField,
  regime: z.enum(REGIMES, 'validation.required'),
  kind: z.enum(ACTION_KINDS, 'validation.required'),
  date: requiredIsoDate,
  citation: requiredText(400),
  url: webUrl,
  entities: rows(z.strictObject({ vendor: objectId, asNamed: text(300).default('') }), 30).refine((list) => list.length > 0, 'listings.nameOneCompany'),
  basis: text(4000).default(''),
  basisAr: text(4000).default(''),
});
export type ActionInput = z.infer<typeof actionSchema>;
