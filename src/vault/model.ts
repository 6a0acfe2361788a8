import { Schema } from 'mongoose';

/** How a sealed value is stored: key id, nonce, ciphertext and tag (all base64). */
export const sealedSchema = new Schema({ kid: String, iv: String, ct: String, tag: String }, { _id: false });
