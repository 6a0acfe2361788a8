import { getSetting, setSetting } from '../settings/model.js';
import { Review } from './model.js';
import { numberReview, takeApprovalSlot } from './service.js';

/**
 * Approvals counted by slot claims (verification/service.ts takeApprovalSlot) from this version on:
 * approvals stored before it hold no slot, so a round half-approved across the upgrade would count
 * one approval too few. Once per database, every stored approval takes its slot, oldest first
 * (idempotent: a reviewer who holds a slot keeps it). One read of the reviews, at start-up only.
 */
export const APPROVAL_SLOTS_KEY = 'migration:approval-slots';

export async function migrateApprovalSlotsOnce(): Promise<number | undefined> {
  if (await getSetting(APPROVAL_SLOTS_KEY)) return undefined;
  let approvals = 0;
  for await (const review of Review.find({ decision: 'approve' }, { incident: 1, round: 1, reviewer: 1 }).sort({ at: 1 }).lean().cursor()) {
    await takeApprovalSlot(review.incident, review.round, String(review.reviewer));
    approvals += 1;
  }
  await setSetting(APPROVAL_SLOTS_KEY, { at: new Date().toISOString(), approvals });
  return approvals;
}

/**
 * Reviews listed by their numbers (verification/service.ts numberReview) from this version on: reviews
 * stored before it are numbered once per database, oldest first. One read of the reviews, at start-up.
 */
export const REVIEW_NUMBERS_KEY = 'migration:review-numbers';

export async function migrateReviewNumbersOnce(): Promise<number | undefined> {
  if (await getSetting(REVIEW_NUMBERS_KEY)) return undefined;
  let reviews = 0;
  for await (const review of Review.find({}, { incident: 1 }).sort({ at: 1, _id: 1 }).lean().cursor()) {
    await numberReview(review.incident, review._id);
    reviews += 1;
  }
  await setSetting(REVIEW_NUMBERS_KEY, { at: new Date().toISOString(), reviews });
  return reviews;
}
