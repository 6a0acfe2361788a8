import mongoose, { Schema } from 'mongoose';
import { REGIMES } from '../vendors/model.js';

/**
 * An official action: a listing, amendment, removal or proposal published by a regime (a Federal
 * Register rule, an OFAC designation, an EU or UK measure), naming one or more companies. A vendor's
 * listing status under a regime is derived from the actions that name it (catalogue/entities.ts),
 * never typed in twice.
 */
export const ACTION_KINDS = ['listing', 'amendment', 'removal', 'proposal'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

const actionSchema = new Schema(
  {
    slug: { type: String, required: true, unique: true },
    previousSlugs: { type: [String], default: [] },
    regime: { type: String, enum: REGIMES, required: true },
    kind: { type: String, enum: ACTION_KINDS, required: true },
    date: { type: Date },
    citation: { type: String, required: true, maxlength: 400 },
    url: { type: String },
    /** The companies the action names, each as the document names it (a subsidiary, a country of registration). */
    entities: {
      type: [{ _id: false, vendor: { type: Schema.Types.ObjectId, ref: 'Vendor', required: true }, asNamed: { type: String, maxlength: 300, default: '' } }],
      default: [],
    },
    /** The basis the action states, in its own words (quoted or summarised), in English and Arabic. */
    basis: { type: String, maxlength: 4000, default: '' },
    basisAr: { type: String, maxlength: 4000, default: '' },
  },
  { timestamps: true, versionKey: false },
);
actionSchema.index({ previousSlugs: 1 });

export const OfficialAction = mongoose.model('OfficialAction', actionSchema);
export type ActionDocument = InstanceType<typeof OfficialAction>;

/** The status an action leaves a company in under its regime. */
export const STATUS_AFTER: Record<ActionKind, 'listed' | 'removed' | 'proposed'> = {
  listing: 'listed',
  amendment: 'listed',
  removal: 'removed',
  proposal: 'proposed',
};
