import { getSetting, setSetting } from '../settings/model.js';
import { Review } from './model.js';
import { takeApprovalSlot } from './service.js';

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
