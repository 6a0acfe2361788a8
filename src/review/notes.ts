import mongoose, { Schema } from 'mongoose';
import { recordAuditEvent, type AuditActor } from '../audit/index.js';
import { formObject, requiredText } from '../http/validate.js';

export const noteForm = formObject({ note: requiredText(5000) });

/**
 * Internal notes on a report or an incident: staff only, never shown to the submitter or the public,
 * separate from the questions sent to the submitter. Each note is one insert (never edited); its
 * writing is audited by id and length (the text stays in the note: it may name people).
 */
const noteSchema = new Schema(
  {
    subject: { type: { type: String, enum: ['report', 'incident'], required: true }, ref: { type: String, required: true } },
    author: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    body: { type: String, required: true, maxlength: 5000 },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
noteSchema.index({ 'subject.type': 1, 'subject.ref': 1, at: 1 });
export const StaffNote = mongoose.model('StaffNote', noteSchema);

export async function addNote(actor: AuditActor & { id: string }, subject: { type: 'report' | 'incident'; ref: string }, body: string): Promise<void> {
  const note = await StaffNote.create({ subject, author: actor.id, body, at: new Date() });
  await recordAuditEvent({ actor, action: 'note.added', subject: { type: subject.type, id: subject.ref }, details: { note: String(note._id), length: body.length } });
}

export async function notesOf(subject: { type: 'report' | 'incident'; ref: string }): Promise<{ author: string; body: string; at: Date }[]> {
  const notes = await StaffNote.find({ 'subject.type': subject.type, 'subject.ref': subject.ref }).sort({ at: 1, _id: 1 }).populate<{ author: { name?: string } | null }>('author', { name: 1 }).lean();
  return notes.map((n) => ({ author: n.author?.name ?? '', body: n.body, at: n.at }));
}
