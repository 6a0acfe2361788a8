import { heldAccountLists } from '../auth/held-accounts.js';
import { User } from '../auth/model.js';
import type { ReportRecord } from '../reports/model.js';
import { possibleDuplicates } from '../reports/service.js';
import { notesOf } from './notes.js';
import { heldPageRead } from './held-reads.js';

/** Active reviewers, for "give to" (a few dozen accounts at most); held briefly, as signed-in accounts are (auth/held-accounts.ts). */
export async function reviewerOptions(): Promise<readonly { id: string; name: string }[]> {
  return heldAccountLists.get('active reviewers', async () => (await User.find({ roles: 'reviewer', status: 'active' }, { name: 1 }).sort({ name: 1 }).lean()).map((u) => ({ id: String(u._id), name: u.name })));
}

/** What a reviewer sees beside a report: possible duplicates, who holds it, internal notes and the triage actions' state. */
export async function reviewerReportLocals(report: ReportRecord, me: string): Promise<Record<string, unknown>> {
  const reviewers = await reviewerOptions();
  const holder = report.assignee ? reviewers.find((r) => r.id === String(report.assignee)) ?? { id: String(report.assignee), name: '' } : undefined;
  return {
    duplicates: await heldPageRead(`duplicates:${String(report._id)}`, () => possibleDuplicates(report)),
    open: report.status !== 'linked' && report.status !== 'rejected',
    holder,
    heldByMe: holder?.id === me,
    reviewers,
    notes: await heldPageRead(`notes:report:${report.ref}`, () => notesOf({ type: 'report', ref: report.ref })),
  };
}
