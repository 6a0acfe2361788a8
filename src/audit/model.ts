import mongoose, { Schema, type InferSchemaType } from 'mongoose';

/**
 * Append-only, hash-chained. `_id` is the sequence number: a unique index every engine has, so two
 * writers can never both append the same seq (no fork), and appends never need a read-modify-write
 * counter ($inc is not atomic under concurrency on FerretDB 1.24's SQLite backend).
 */
const auditEventSchema = new Schema(
  {
    _id: { type: Number, required: true },
    at: { type: Date, required: true },
    actor: {
      type: { type: String, enum: ['user', 'anonymous', 'system', 'cli'], required: true },
      id: { type: String },
      label: { type: String },
    },
    action: { type: String, required: true },
    subject: {
      type: { type: String },
      id: { type: String },
    },
    details: { type: Schema.Types.Mixed, default: {} },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { versionKey: false, collection: 'auditevents', minimize: false },
);

auditEventSchema.index({ action: 1, _id: -1 });
auditEventSchema.index({ 'subject.type': 1, 'subject.id': 1, _id: -1 });

export type AuditEventDoc = InferSchemaType<typeof auditEventSchema> & { _id: number };
export const AuditEvent = mongoose.model('AuditEvent', auditEventSchema);
