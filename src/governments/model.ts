import mongoose, { Schema } from 'mongoose';

export const AGENCY_KINDS = ['intelligence', 'police', 'military', 'ministry', 'other'] as const;

const governmentSchema = new Schema(
  {
    slug: { type: String, required: true, unique: true },
    previousSlugs: { type: [String], default: [] },
    country: { type: String, required: true, maxlength: 2 },
    name: { type: String, required: true, maxlength: 160 },
    nameAr: { type: String, maxlength: 160, default: '' },
    agencies: {
      type: [{ _id: false, name: { type: String, required: true, maxlength: 200 }, kind: { type: String, enum: AGENCY_KINDS, required: true } }],
      default: [],
    },
    // In English and in Arabic: either may be missing (the profile says which it shows).
    summary: { type: String, maxlength: 4000, default: '' },
    summaryAr: { type: String, maxlength: 4000, default: '' },
  },
  { timestamps: true, versionKey: false },
);
governmentSchema.index({ previousSlugs: 1 });
governmentSchema.index({ country: 1 });

export const Government = mongoose.model('Government', governmentSchema);
export type GovernmentDocument = InstanceType<typeof Government>;
