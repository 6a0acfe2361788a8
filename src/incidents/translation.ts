import { z } from 'zod';
import { recordAuditEvent, type AuditActor } from '../audit/index.js';
import { changedFields } from '../audit/diff.js';
import { HttpError } from '../http/errors.js';
import { formObject, text } from '../http/validate.js';
import { resolvedLanguage } from '../i18n/index.js';
import { otherLanguage } from '../i18n/texts.js';
import { Incident, type IncidentDocument } from './model.js';
import { publish } from '../events/index.js';

/** Both the title and the summary, or neither (which removes the translation). */
export const translationSchema = formObject({ title: text(200).default(''), summary: text(20_000).default('') }).superRefine((v, ctx) => {
  if (v.title && !v.summary) ctx.addIssue({ code: 'custom', path: ['summary'], message: 'translation.bothOrNeither' });
  if (v.summary && !v.title) ctx.addIssue({ code: 'custom', path: ['title'], message: 'translation.bothOrNeither' });
});
export type TranslationInput = z.infer<typeof translationSchema>;

/**
 * Adds, changes or removes the translation of an incident's title and summary into the other
 * language. A translation renders what the reviewers verified; it claims nothing new, so it never
 * starts a new verification round. It is audited as a translation (`incident.translated`) and the
 * page says when it was last changed and that it is a translation.
 */
export async function translateIncident(actor: AuditActor, incident: IncidentDocument, input: TranslationInput): Promise<'saved' | 'removed' | 'unchanged'> {
  if (incident.verification?.status === 'retracted') throw new HttpError(409, 'incidents.retracted');
  const lang = otherLanguage(resolvedLanguage(incident.lang ?? 'en'));
  const before = incident.translation ? { lang: incident.translation.lang, title: incident.translation.title, summary: incident.translation.summary } : null;
  const after = input.title ? { lang, title: input.title, summary: input.summary } : null;
  const changes = changedFields({ translation: before }, { translation: after }, ['translation']);
  if (!Object.keys(changes).length) return 'unchanged';
  const update = after ? { $set: { translation: { ...after, updatedAt: new Date() } } } : { $unset: { translation: 1 } };
  await publish({ kind: 'incidents-written', docs: [await Incident.findByIdAndUpdate(incident._id, update, { returnDocument: 'after' }).lean()] });
  await recordAuditEvent({ actor, action: 'incident.translated', subject: { type: 'incident', id: incident.ref }, details: { lang, ...changes.translation } });
  return after ? 'saved' : 'removed';
}
