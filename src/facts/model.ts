import { Schema } from 'mongoose';
import { sealedSchema } from '../vault/model.js';
import { INDICATOR_TYPES } from './indicators.js';

export const TARGET_CATEGORIES = ['journalist', 'activist', 'human-rights-defender', 'academic', 'lawyer', 'politician', 'official', 'other'] as const;
export const SOURCE_KINDS = ['forensic-report', 'news', 'court-record', 'leak', 'testimony', 'other'] as const;
export const INFECTION_VECTORS = ['zero-click', 'one-click', 'network-injection', 'physical-access', 'malicious-app', 'social-engineering', 'unknown', 'other'] as const;

/** Mongoose sub-schemas shared by reports and incidents. */
export const fuzzyDateSchema = new Schema({ y: { type: Number, required: true }, m: Number, d: Number }, { _id: false });

export const datesSchema = new Schema(
  {
    from: { type: fuzzyDateSchema, required: true },
    to: { type: fuzzyDateSchema },
    // Denormalised for sorting and overlap queries (no expression operators on FerretDB 1.24).
    start: { type: Date, required: true },
    end: { type: Date, required: true },
  },
  { _id: false },
);


export const targetSchema = new Schema(
  {
    category: { type: String, enum: TARGET_CATEGORIES, required: true },
    pseudonym: { type: String, required: true, maxlength: 120 },
    // Encrypted at rest (AES-256-GCM); never presented outside an audited reveal.
    identity: { type: sealedSchema },
    contact: { type: sealedSchema },
    consentToPublish: { type: Boolean, default: false },
  },
  { _id: false },
);

export const sourceSchema = new Schema(
  {
    kind: { type: String, enum: SOURCE_KINDS, required: true },
    url: { type: String },
    title: { type: String, required: true, maxlength: 400 },
    publisher: { type: String, maxlength: 200 },
    date: { type: Date },
  },
  { _id: false },
);

export const indicatorSchema = new Schema(
  { type: { type: String, enum: INDICATOR_TYPES, required: true }, value: { type: String, required: true } },
  { _id: false },
);
