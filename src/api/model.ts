import mongoose, { Schema } from 'mongoose';

/**
 * An API token: shown once when created, stored only as its SHA-256 (with a short prefix so its
 * owner can tell tokens apart), read-only, revocable.
 */
const apiTokenSchema = new Schema(
  {
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    name: { type: String, required: true, maxlength: 80 },
    prefix: { type: String, required: true },
    hash: { type: String, required: true, unique: true },
    scope: { type: String, enum: ['read'], default: 'read', required: true },
    createdAt: { type: Date, required: true },
    revokedAt: { type: Date },
  },
  { versionKey: false },
);
apiTokenSchema.index({ user: 1, createdAt: -1 });

export const ApiToken = mongoose.model('ApiToken', apiTokenSchema);
export type ApiTokenDocument = InstanceType<typeof ApiToken>;
