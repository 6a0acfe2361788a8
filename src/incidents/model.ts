import mongoose, { Schema } from 'mongoose';
import { datesSchema, indicatorSchema, sourceSchema, targetSchema } from '../facts/model.js';
import { LANGUAGES } from '../i18n/index.js';

export const CONFIDENCE_LEVELS = ['confirmed', 'high', 'medium', 'low'] as const;
export type Confidence = (typeof CONFIDENCE_LEVELS)[number];
export const ATTRIBUTION_KINDS = ['product', 'vendor', 'government'] as const;
export const VERIFICATION_STATUSES = ['draft', 'in-review', 'verified', 'disputed', 'retracted'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** Edits to these fields change what the incident claims: a verified incident goes back to review. */
export const SUBSTANTIVE_FIELDS = ['attributions', 'dates', 'countries', 'targets', 'sources', 'visibility'] as const;

const attributionSchema = new Schema(
  {
    kind: { type: String, enum: ATTRIBUTION_KINDS, required: true },
    product: { type: Schema.Types.ObjectId, ref: 'Product' },
    vendor: { type: Schema.Types.ObjectId, ref: 'Vendor' },
    government: { type: Schema.Types.ObjectId, ref: 'Government' },
    agency: { type: String, maxlength: 200 },
    confidence: { type: String, enum: CONFIDENCE_LEVELS, required: true },
    basis: { type: String, required: true, maxlength: 4000 },
    // Indexes into the incident's sources: which of them support this attribution.
    sources: { type: [Number], default: [] },
  },
  { _id: false },
);

const incidentSchema = new Schema(
  {
    ref: { type: String, required: true, unique: true },
    refYear: { type: Number, required: true },
    refSeq: { type: Number, required: true },
    title: { type: String, required: true, maxlength: 200 },
    summary: { type: String, required: true, maxlength: 20_000 },
    // The language the title and summary are written in: the text the reviewers verified.
    lang: { type: String, enum: LANGUAGES, default: 'en' },
    // The same title and summary in the other language, added by a reviewer (incidents/translation.ts).
    // A rendering, not a claim: changing it never starts a new verification round.
    translation: {
      type: new Schema(
        {
          lang: { type: String, enum: LANGUAGES, required: true },
          title: { type: String, required: true, maxlength: 200 },
          summary: { type: String, required: true, maxlength: 20_000 },
          updatedAt: { type: Date, required: true },
        },
        { _id: false },
      ),
      required: false,
    },
    dates: { type: datesSchema, required: true },
    countries: { type: [String], default: [] },
    targets: { type: [targetSchema], default: [] },
    attributions: { type: [attributionSchema], default: [] },
    sources: { type: [sourceSchema], default: [] },
    indicators: { type: [indicatorSchema], default: [] },
    reports: { type: [{ type: Schema.Types.ObjectId, ref: 'Report' }], default: [] },
    responses: { type: String, maxlength: 8000, default: '' },
    visibility: { type: String, enum: ['public', 'restricted'], default: 'restricted', required: true },
    verification: {
      status: { type: String, enum: VERIFICATION_STATUSES, default: 'draft', required: true },
      // Approvals count within a round; any reset (changes requested, rejection, substantive edit)
      // starts a new round, so earlier approvals no longer count.
      round: { type: Number, default: 1, required: true },
      verifiedAt: { type: Date },
      reopened: { fields: [String], at: Date },
    },
    retraction: { reason: { type: String, maxlength: 4000 }, at: Date },
    // Denormalised for lists and filters (FerretDB 1.24 has no $lookup or expression operators):
    published: { type: Boolean, default: false },
    year: { type: Number },
    vendorIds: { type: [Schema.Types.ObjectId], default: [] },
    productIds: { type: [Schema.Types.ObjectId], default: [] },
    governmentIds: { type: [Schema.Types.ObjectId], default: [] },
    createdBy: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true, versionKey: false },
);

incidentSchema.index({ refYear: 1, refSeq: -1 });
incidentSchema.index({ published: 1, 'dates.start': -1, _id: -1 });
incidentSchema.index({ 'verification.status': 1, updatedAt: -1 });
incidentSchema.index({ reports: 1 });

export const Incident = mongoose.model('Incident', incidentSchema);
export type IncidentDocument = InstanceType<typeof Incident>;
/** An incident as stored, without the document's methods (a lean read, a read model's copy). */
export type IncidentRecord = mongoose.InferSchemaType<typeof incidentSchema> & { _id: mongoose.Types.ObjectId; ref: string };

/**
 * One spreadsheet row imported as an incident (incidents/csv-import.ts), by its import key: the SHA-256
 * of the row as read (whatever the header language). Inserting it claims the row: importing the same
 * file again, or two imports at once, never makes a row twice.
 */
const importedRowSchema = new Schema(
  {
    _id: { type: String, required: true },
    incident: { type: Schema.Types.ObjectId, required: true },
    import: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

export const ImportedRow = mongoose.model('ImportedRow', importedRowSchema);
