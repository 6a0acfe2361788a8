import mongoose, { Schema } from 'mongoose';

export const PRODUCT_CATEGORIES = [
  'spyware',
  'network-injection',
  'interception',
  'imsi-catcher',
  'forensic-extraction',
  'facial-recognition',
  'social-media-monitoring',
  'other',
] as const;

const productSchema = new Schema(
  {
    slug: { type: String, required: true, unique: true },
    previousSlugs: { type: [String], default: [] },
    name: { type: String, required: true, maxlength: 160 },
    nameAr: { type: String, maxlength: 160, default: '' },
    aliases: { type: [String], default: [] },
    vendor: { type: Schema.Types.ObjectId, ref: 'Vendor' },
    // The corporate graph over time: who made or sold it before its current vendor, until when.
    // An incident before that date is attributed to the vendor of the time (catalogue/entities.ts).
    formerVendors: { type: [{ _id: false, vendor: { type: Schema.Types.ObjectId, ref: 'Vendor', required: true }, until: { type: Date, required: true } }], default: [] },
    category: { type: String, enum: PRODUCT_CATEGORIES, required: true },
    // In English and in Arabic: either may be missing (the profile says which it shows).
    description: { type: String, maxlength: 4000, default: '' },
    descriptionAr: { type: String, maxlength: 4000, default: '' },
  },
  { timestamps: true, versionKey: false },
);
productSchema.index({ previousSlugs: 1 });
productSchema.index({ vendor: 1 });
productSchema.index({ name: 1 });

export const Product = mongoose.model('Product', productSchema);
export type ProductDocument = InstanceType<typeof Product>;
