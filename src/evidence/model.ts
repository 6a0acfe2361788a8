import mongoose, { Schema } from 'mongoose';
import { sealedSchema } from '../vault/model.js';

/** A stored evidence file: the original (sealed at rest) and, for images, a working copy without metadata. */
const copySchema = new Schema({ file: { type: String, required: true }, sha256: { type: String, required: true }, size: { type: Number, required: true }, mediaType: { type: String, required: true } }, { _id: false });

const evidenceSchema = new Schema(
  {
    /**
     * A neutral label (`file-<first 12 hex of SHA-256>.<ext>`), shown and used for downloads. The
     * name the file had on the uploader's device can identify them (a person's name, a phone's
     * naming scheme): it is sealed, and shown only through an audited reveal.
     */
    name: { type: String, required: true, maxlength: 200 },
    sealedName: { type: sealedSchema },
    original: { type: copySchema, required: true },
    working: { type: copySchema },
    derivation: { type: String, default: '' },
    metadataStripped: { type: Boolean, default: false },
    classification: { type: String, enum: ['restricted', 'public'], default: 'restricted', required: true },
    /** Bumped by each change decided by a claim (db/claims.ts takeRevision): who changed revision n wins once. */
    revision: { type: Number, default: 0 },
    incident: { type: Schema.Types.ObjectId, ref: 'Incident' },
    report: { type: Schema.Types.ObjectId, ref: 'Report' },
    uploader: { type: Schema.Types.ObjectId, ref: 'User' },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
evidenceSchema.index({ incident: 1, receivedAt: 1 });
evidenceSchema.index({ report: 1, receivedAt: 1 });

export const Evidence = mongoose.model('Evidence', evidenceSchema);
export type EvidenceDocument = InstanceType<typeof Evidence>;
