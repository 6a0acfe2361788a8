import mongoose, { Schema } from 'mongoose';

/** Regimes official actions are published under (listings/model.ts). */
export const REGIMES = ['us-entity-list', 'us-ofac-sdn', 'eu-dual-use', 'eu-sanctions', 'uk-sanctions', 'other'] as const;
export const LISTING_STATUSES = ['listed', 'proposed', 'removed'] as const;

const vendorSchema = new Schema(
  {
    slug: { type: String, required: true, unique: true },
    previousSlugs: { type: [String], default: [] },
    name: { type: String, required: true, maxlength: 160 },
    nameAr: { type: String, maxlength: 160, default: '' },
    aliases: { type: [String], default: [] },
    formerNames: {
      type: [{ _id: false, name: { type: String, required: true }, from: Date, to: Date }],
      default: [],
    },
    hqCountry: { type: String, maxlength: 2 },
    parent: { type: Schema.Types.ObjectId, ref: 'Vendor' },
    // When the company continued as a different, renamed company (its own record).
    successor: { type: Schema.Types.ObjectId, ref: 'Vendor' },
    website: { type: String },
    // The summary in English and in Arabic: either may be missing (the profile says which it shows).
    summary: { type: String, maxlength: 4000, default: '' },
    summaryAr: { type: String, maxlength: 4000, default: '' },
  },
  { timestamps: true, versionKey: false },
);
vendorSchema.index({ previousSlugs: 1 });
vendorSchema.index({ parent: 1 });
vendorSchema.index({ name: 1 });

export const Vendor = mongoose.model('Vendor', vendorSchema);
export type VendorDocument = InstanceType<typeof Vendor>;
