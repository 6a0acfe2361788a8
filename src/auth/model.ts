import mongoose, { Schema, type InferSchemaType, type MongooseQueryOrDocumentMiddleware } from 'mongoose';
import { ROLES } from '../config.js';
import { sealedSchema } from '../vault/model.js';
import { accountsChanged } from './held-accounts.js';

const userSchema = new Schema(
  {
    email: { type: String, required: true, unique: true, lowercase: true, trim: true, maxlength: 254 },
    name: { type: String, required: true, trim: true, maxlength: 120 },
    organisation: { type: String, trim: true, maxlength: 160, default: '' },
    roles: { type: [{ type: String, enum: ROLES }], default: ['researcher'] },
    status: { type: String, enum: ['pending', 'active', 'disabled'], default: 'pending', required: true },
    passwordHash: { type: String, required: true },
    totp: {
      // Sealed with the vault (AES-256-GCM): a database read does not yield working second factors.
      secret: { type: sealedSchema },
      enabledAt: { type: Date },
      // Time step of the last accepted code: a code cannot be replayed within its window.
      lastStep: { type: Number },
    },
    recoveryCodeHashes: { type: [String], default: [] },
    lockedUntil: { type: Date },
    lastLoginAt: { type: Date },
    /** Sessions signed in before this time are ended (the password changed since). */
    passwordChangedAt: { type: Date },
    /**
     * SHA-256 (hex, 32) of the session that changed the password: it stays signed in, also for its
     * requests already in flight that read the session before it carried the new time.
     */
    passwordChangedBySession: { type: String, default: '' },
    approvedAt: { type: Date },
    /** Kinds of notice this person chose not to receive by e-mail (notifications/model.ts); in-app they always appear. */
    emailOff: { type: [String], default: [] },
    /** Bumped by each administrative change (approval, disabling, roles), each decided by a claim (db/claims.ts takeRevision). */
    revision: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);

userSchema.index({ status: 1, createdAt: -1 });

// Signed-in requests read their account from memory (auth/held-accounts.ts): any write through this
// model drops what is held, when it starts and when it ends, so that no request of this process acts
// on an account as it was before a change (a disabled account, a role taken away, a new password).
const WRITES: MongooseQueryOrDocumentMiddleware[] = ['save', 'updateOne', 'updateMany', 'findOneAndUpdate', 'findOneAndReplace', 'replaceOne', 'deleteOne', 'deleteMany', 'findOneAndDelete'];
userSchema.pre(WRITES, { document: true, query: true }, accountsChanged);
userSchema.post(WRITES, { document: true, query: true }, accountsChanged);
userSchema.pre('insertMany', accountsChanged);
userSchema.pre('bulkWrite', accountsChanged);
userSchema.post('bulkWrite', accountsChanged);

export type UserFields = InferSchemaType<typeof userSchema>;
export const User = mongoose.model('User', userSchema);
export type UserDocument = InstanceType<typeof User>;

/**
 * Failed logins, one document each. Counting inserts instead of `$inc` on the user keeps the count
 * exact under concurrent guesses: FerretDB 1.24 (SQLite) loses concurrent `$inc` updates.
 */
const loginFailureSchema = new Schema(
  { user: { type: Schema.Types.ObjectId, required: true }, at: { type: Date, required: true } },
  { versionKey: false },
);
loginFailureSchema.index({ user: 1, at: -1 });
export const LoginFailure = mongoose.model('LoginFailure', loginFailureSchema);
