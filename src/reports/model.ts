import mongoose, { Schema } from 'mongoose';
import { INFECTION_VECTORS, datesSchema, indicatorSchema, sourceSchema, targetSchema } from '../facts/model.js';
import { sealedSchema } from '../vault/model.js';

export const REPORT_STATUSES = ['submitted', 'triaged', 'needs-info', 'linked', 'rejected'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** Fields fixed at submission: only status, messages and the link to an incident change later. */
export const IMMUTABLE_REPORT_FIELDS = ['ref', 'title', 'narrative', 'dates', 'country', 'targets', 'suspected', 'infectionVector', 'sources', 'indicators', 'submitter', 'submittedAt'] as const;

const messageSchema = new Schema(
  {
    from: { type: String, enum: ['reviewer', 'submitter'], required: true },
    author: { type: Schema.Types.ObjectId, ref: 'User' },
    body: { type: String, required: true, maxlength: 5000 },
    at: { type: Date, required: true },
  },
  { _id: false },
);

const reportSchema = new Schema(
  {
    ref: { type: String, required: true, unique: true },
    refYear: { type: Number, required: true },
    refSeq: { type: Number, required: true },
    title: { type: String, required: true, maxlength: 200 },
    narrative: { type: String, required: true, maxlength: 20_000 },
    dates: { type: datesSchema, required: true },
    country: { type: String, required: true, maxlength: 2 },
    targets: { type: [targetSchema], default: [] },
    suspected: {
      products: [{ type: Schema.Types.ObjectId, ref: 'Product' }],
      vendors: [{ type: Schema.Types.ObjectId, ref: 'Vendor' }],
      governments: [{ type: Schema.Types.ObjectId, ref: 'Government' }],
      other: { type: String, maxlength: 1000, default: '' },
    },
    infectionVector: {
      kind: { type: String, enum: INFECTION_VECTORS, default: 'unknown' },
      detail: { type: String, maxlength: 2000, default: '' },
    },
    sources: { type: [sourceSchema], default: [] },
    indicators: { type: [indicatorSchema], default: [] },
    // Evidence files arrive with the evidence component; the field exists so reports can carry them.
    evidence: { type: [Schema.Types.ObjectId], default: [] },
    submitter: {
      user: { type: Schema.Types.ObjectId, ref: 'User' },
      // Anonymous submitters hold a receipt code; only its SHA-256 is stored. No IP, no user agent.
      receiptHash: { type: String },
      contact: { type: sealedSchema },
    },
    status: { type: String, enum: REPORT_STATUSES, default: 'submitted', required: true },
    /** Bumped by each change decided by a claim (db/claims.ts takeRevision): who changed revision n wins once. */
    revision: { type: Number, default: 0 },
    /** The reviewer who holds the report (takes it, or was given it); changes decided by assignmentRevision's claim. */
    assignee: { type: Schema.Types.ObjectId, ref: 'User' },
    assignmentRevision: { type: Number, default: 0 },
    messages: { type: [messageSchema], default: [] },
    linkedIncident: { type: Schema.Types.ObjectId, ref: 'Incident' },
    rejectionReason: { type: String, maxlength: 2000 },
    submittedAt: { type: Date, required: true },
  },
  { timestamps: true, versionKey: false },
);

reportSchema.index({ refYear: 1, refSeq: -1 });
reportSchema.index({ status: 1, submittedAt: 1 });
reportSchema.index({ 'submitter.user': 1, submittedAt: -1 });
reportSchema.index({ 'submitter.receiptHash': 1 });
reportSchema.index({ 'sources.url': 1 });
reportSchema.index({ 'indicators.value': 1 });
reportSchema.index({ country: 1, 'dates.start': 1 });
reportSchema.index({ linkedIncident: 1 });
reportSchema.index({ submittedAt: -1 });

reportSchema.pre('save', function refuseEditsToSubmittedReport() {
  if (!this.isNew && IMMUTABLE_REPORT_FIELDS.some((f) => this.isModified(f))) {
    throw new Error('a submitted report cannot be edited');
  }
});

export const Report = mongoose.model('Report', reportSchema);
export type ReportDocument = InstanceType<typeof Report>;
/** A report's stored fields as plain data (what the pages show; commands act on a ReportDocument). */
export type ReportRecord = mongoose.InferSchemaType<typeof reportSchema> & { _id: mongoose.Types.ObjectId };

/**
 * Questions and answers after submission, one document each (insert-only). Kept apart from the
 * report because concurrent `$push`es onto one document lose entries on the embedded engine: ten
 * answers sent at once were all confirmed and only 4–6 stored. An insert that is acknowledged is
 * stored, so an answer is confirmed only once it is. `Report.messages` holds older ones.
 */
const reportMessageSchema = new Schema(
  {
    report: { type: Schema.Types.ObjectId, ref: 'Report', required: true },
    from: { type: String, enum: ['reviewer', 'submitter'], required: true },
    author: { type: Schema.Types.ObjectId, ref: 'User' },
    body: { type: String, required: true, maxlength: 5000 },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
reportMessageSchema.index({ report: 1, at: 1 });
export const ReportMessage = mongoose.model('ReportMessage', reportMessageSchema);
