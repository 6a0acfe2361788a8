import mongoose, { Schema } from 'mongoose';
import { FRAMINGS } from './framing.js';

/**
 * One generated dossier: its parameters, who made it, the manifest's hash, and the sealed archive
 * (DATA_DIR/dossiers) that is served again byte for byte. Insert-only.
 */
const dossierSchema = new Schema(
  {
    ref: { type: String, required: true, unique: true },
    refYear: { type: Number, required: true },
    refSeq: { type: Number, required: true },
    subject: {
      kind: { type: String, enum: ['vendor', 'government', 'filter'], required: true },
      slug: { type: String, default: '' },
      name: { type: String, default: '' },
      query: { type: String, default: '' },
    },
    audience: { type: String, enum: ['public', 'official'], required: true },
    framing: { type: String, enum: FRAMINGS, required: true },
    language: { type: String, enum: ['en', 'ar'], required: true },
    /** same subject, audience and framing: the version counts the dossiers made of it */
    paramsKey: { type: String, required: true },
    version: { type: Number, required: true },
    incidents: { type: Number, required: true },
    generatedBy: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    generatedByRoles: { type: [String], default: [] },
    generatedAt: { type: Date, required: true },
    files: { type: [{ _id: false, name: String, size: Number, sha256: String }], default: [] },
    manifestSha256: { type: String, required: true },
    keyId: { type: String, required: true },
    archive: { file: { type: String, required: true }, size: { type: Number, required: true }, sha256: { type: String, required: true } },
    auditHead: { seq: Number, hash: String },
    /** The version of every incident used (dossiers/status.ts): what "superseded" is decided against. */
    used: { type: [{ _id: false, id: Schema.Types.ObjectId, ref: String, round: Number, public: Boolean }], default: [] },
    /** The vendors, products and governments it names, with their last edit (dossiers/status.ts). */
    entities: { type: [{ _id: false, kind: { type: String, enum: ['vendor', 'product', 'government'] }, id: Schema.Types.ObjectId, slug: String, updatedAt: Date, name: String, nameAr: String, createdAt: Date, country: String }], default: [] },
    timings: { type: Schema.Types.Mixed, default: {} },
  },
  { versionKey: false },
);
dossierSchema.index({ refYear: 1, refSeq: -1 });
dossierSchema.index({ generatedBy: 1, generatedAt: -1 });
// Two generations of the same dossier at once cannot both become version N: the second is refused
// here and made again as N+1 (see generateDossier).
dossierSchema.index({ paramsKey: 1, version: 1 }, { unique: true });

export const Dossier = mongoose.model('Dossier', dossierSchema);
export type DossierDocument = InstanceType<typeof Dossier>;
