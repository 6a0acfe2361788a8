import { HeldReads } from '../db/held.js';

/**
 * How long a signed-in request's session and account, read by `_id`, are held in process memory
 * (db/held.ts). This process's own changes (sign-out, a password change, disabling, roles) apply to
 * the next request at once; another process's (the CLI, a second app on a shared MONGODB_URI) within
 * this time.
 */
export const SIGNED_IN_HOLD_MS = 2_000;

/** What a request needs of its account: who it is, and whether its session may still act. */
export interface HeldAccount {
  user: Express.User;
  status: string;
  passwordChangedAt?: Date | null;
  passwordChangedBySession: string;
}

/** Accounts by id. Every write through the User model drops them all (auth/model.ts), before and after it. */
export const heldAccounts = new HeldReads<HeldAccount | null>(SIGNED_IN_HOLD_MS);

/** Lists of accounts that staff pages show (the active reviewers), dropped like `heldAccounts`. */
export const heldAccountLists = new HeldReads<readonly { id: string; name: string }[]>(SIGNED_IN_HOLD_MS);

/** A write through the User model is starting or has ended (auth/model.ts). */
export function accountsChanged(): void {
  heldAccounts.changedAll();
  heldAccountLists.changedAll();
}
