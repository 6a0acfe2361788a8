import mongoose, { Schema } from 'mongoose';

export const REVIEW_DECISIONS = ['approve', 'request-changes', 'reject'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
export const CHECKLIST_ITEMS = ['sourceIdentified', 'technicalEvidence', 'corroborated', 'riskConsidered'] as const;

/**
 * One document per review, insert-only. The unique index makes "one reviewer, one approval per
 * round" hold even under concurrent requests (FerretDB 1.24 does not serialise updates to one
 * document, so a counter on the incident could lose an approval or count one twice).
 */
const reviewSchema = new Schema(
  {
    incident: { type: Schema.Types.ObjectId, ref: 'Incident', required: true },
    round: { type: Number, required: true },
    reviewer: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    decision: { type: String, enum: REVIEW_DECISIONS, required: true },
    checklist: {
      sourceIdentified: { type: Boolean, default: false },
      technicalEvidence: { type: Boolean, default: false },
      corroborated: { type: Boolean, default: false },
      riskConsidered: { type: Boolean, default: false },
    },
    note: { type: String, maxlength: 4000, default: '' },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
reviewSchema.index({ incident: 1, round: 1, reviewer: 1, decision: 1 }, { unique: true });
reviewSchema.index({ incident: 1, at: 1 });

export const Review = mongoose.model('Review', reviewSchema);
export type ReviewDocument = InstanceType<typeof Review>;
