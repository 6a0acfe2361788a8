import mongoose, { Schema } from 'mongoose';
import { sealedSchema } from '../vault/model.js';

/**
 * What a person is told about: their report moved (researchers), new reports, incidents waiting for
 * an approval, answers to their questions (reviewers), accounts waiting for approval (admins), news
 * on what they follow (listings/watch.ts). A notice names a reference and what happened to it, never
 * a title, a person, a target or a pseudonym: the mail travels through servers the site does not run.
 */
export const NOTIFY_KINDS = ['report.triaged', 'report.needs-info', 'report.linked', 'report.rejected', 'report.new', 'report.answered', 'incident.awaiting-approval', 'account.pending', 'watch.news', 'report.assigned', 'report.published'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

const notificationSchema = new Schema(
  {
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    kind: { type: String, enum: NOTIFY_KINDS, required: true },
    /** the reference the notice is about (R-…, I-…) or '' for accounts */
    ref: { type: String, default: '' },
    at: { type: Date, required: true },
    readAt: { type: Date },
  },
  { versionKey: false },
);
notificationSchema.index({ user: 1, at: -1 });
export const Notification = mongoose.model('Notification', notificationSchema);

/**
 * Mail waiting to be sent: stored before sending, so a restart or an unreachable SMTP server loses
 * nothing; deleted once the server accepted it. The address is read from the account when sending
 * (a changed or disabled account gets nothing). A password-reset link is the only secret a mail
 * carries: it is sealed with the vault while it waits.
 */
const mailJobSchema = new Schema(
  {
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    kind: { type: String, required: true },
    ref: { type: String, default: '' },
    secret: { type: sealedSchema },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    lastError: { type: String, default: '' },
    failed: { type: Boolean, default: false },
  },
  { timestamps: true, versionKey: false },
);
export const MailJob = mongoose.model('MailJob', mailJobSchema);
