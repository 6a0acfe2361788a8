import mongoose, { Schema } from 'mongoose';
import { INDICATOR_TYPES } from '../facts/indicators.js';

/**
 * A product's indicators of compromise, one document each. Insert-only with a unique index, so
 * importing the same bundle twice (or two imports at once) cannot add a duplicate.
 */
const productIndicatorSchema = new Schema(
  {
    product: { type: Schema.Types.ObjectId, ref: 'Product', required: true },
    type: { type: String, enum: INDICATOR_TYPES, required: true },
    value: { type: String, required: true },
    import: { type: Schema.Types.ObjectId, ref: 'IndicatorImport' },
    addedAt: { type: Date, required: true },
    // What the publisher's STIX said of it, kept so exports carry the same identity and dates
    // (stix/service.ts, publishedOf): its id, times, types, labels, author and references, and the
    // pattern as written (an address written as a domain name stays so).
    published: {
      type: new Schema(
        {
          id: String,
          pattern: String,
          created: String,
          modified: String,
          validFrom: String,
          validUntil: String,
          indicatorTypes: { type: [String], default: undefined },
          labels: { type: [String], default: undefined },
          createdByRef: String,
          externalReferences: { type: [Schema.Types.Mixed], default: undefined },
        },
        { _id: false },
      ),
      required: false,
    },
  },
  { versionKey: false },
);
productIndicatorSchema.index({ product: 1, type: 1, value: 1 }, { unique: true });

export const ProductIndicator = mongoose.model('ProductIndicator', productIndicatorSchema);

/** One uploaded bundle: where it came from, under which licence, and what became of each pattern. */
const indicatorImportSchema = new Schema(
  {
    product: { type: Schema.Types.ObjectId, ref: 'Product', required: true },
    fileName: { type: String, required: true, maxlength: 200 },
    sha256: { type: String, required: true },
    bundleId: { type: String, default: '' },
    source: { type: String, required: true, maxlength: 400 },
    licence: { type: String, required: true, maxlength: 200 },
    malwareNames: { type: [String], default: [] },
    indicators: { type: Number, required: true },
    added: { type: Number, required: true },
    alreadyPresent: { type: Number, required: true },
    notUnderstood: { type: [{ _id: false, pattern: String, reason: String }], default: [] },
    /** Understood, but not published as malicious: revoked, expired or marked benign by the publisher. */
    withheld: { type: [{ _id: false, pattern: String, reason: String }], default: [] },
    /** What in the bundle's structure did not hold together: duplicate ids, relationships to nothing. */
    warnings: { type: [{ _id: false, kind: String, detail: String }], default: [] },
    /** The identity objects the bundle's indicators name as their author (created_by_ref), as published. */
    identities: { type: [Schema.Types.Mixed], default: [] },
    objects: { type: Number },
    /** Of a bundle describing several malware objects: the one this product is, and the indicators left for the others. */
    malwareChosen: { type: String },
    forOtherMalware: { type: Number, default: 0 },
    by: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
indicatorImportSchema.index({ product: 1, at: -1 });

export const IndicatorImport = mongoose.model('IndicatorImport', indicatorImportSchema);
