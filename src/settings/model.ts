import mongoose, { Schema } from 'mongoose';

/** Site-wide flags that the app sets itself (e.g. that demonstration data is loaded). */
const settingSchema = new Schema({ _id: { type: String, required: true }, value: { type: Schema.Types.Mixed } }, { versionKey: false, timestamps: true });
export const Setting = mongoose.model('Setting', settingSchema);

export async function getSetting<T>(key: string): Promise<T | undefined> {
  const doc = await Setting.findById(key).lean<{ value?: T }>();
  return doc?.value;
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await Setting.updateOne({ _id: key }, { $set: { value } }, { upsert: true });
}
