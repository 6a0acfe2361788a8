import type { ReportDocument } from '../reports/model.js';
import { possibleDuplicates } from '../reports/service.js';

/** What a reviewer sees beside a report: possible duplicates and the triage actions' state. */
export async function reviewerReportLocals(report: ReportDocument): Promise<Record<string, unknown>> {
  return {
    duplicates: await possibleDuplicates(report),
    open: report.status !== 'linked' && report.status !== 'rejected',
  };
}
