import mongoose, { Schema } from 'mongoose';
import { claim, claimed } from '../db/claims.js';
import { replaceUnlessNewer, unlessOnlyDuplicates } from '../db/duplicates.js';
import { Report, type ReportRecord, type ReportStatus } from './model.js';

/**
 * The reviewers' queue of open reports, kept as its own small collection (`reportqueue`): one row
 * per open report with what the queue shows, written by every write of a report (reports/service.ts:
 * a submission where it is stored, every later change through `writeReport`), each from the report as written. Reading the queue
 * is then a read of the open reports' rows, not a scan of every report ever submitted with its
 * narrative (on the embedded engine, which scans for any filter: 5.3 s at 50,000 reports, `npm run
 * bench:queue`).
 *
 * What keeps it from hiding a report:
 * - a row is replaced only by a report at least as new as the one it was written from (`version`,
 *   the sum of the report's two revisions, which every change raises), so writes arriving out of
 *   order across processes leave the newest;
 * - a row is deleted only when its report is closed (linked or rejected), and a closed report is
 *   never opened again, so no later write can need it back;
 * - `rebuildReportQueue` (each start, in the background) writes the row of every open report and
 *   drops the rows of closed ones: a process that stopped between a report's write and its row's
 *   is mended at the next start; until one rebuild has completed on a database, the queue is read
 *   from the reports themselves (`QUEUE_BUILT`).
 * Only what the queue shows is copied: never a submitter's contact or receipt hash.
 */
const queueSchema = new Schema(
  {
    ref: { type: String, required: true },
    title: { type: String, required: true },
    status: { type: String, required: true },
    submittedAt: { type: Date, required: true },
    country: { type: String },
    submitter: { user: { type: Schema.Types.ObjectId } },
    assignee: { type: Schema.Types.ObjectId },
    version: { type: Number, required: true },
  },
  { versionKey: false, collection: 'reportqueue' },
);
export const QueuedReport = mongoose.model('QueuedReport', queueSchema);

export const QUEUE_STATUSES: ReportStatus[] = ['submitted', 'triaged', 'needs-info'];

/** What a list of reports shows (presenter.ts presentReportRow) and who holds each. */
export const ROW_FIELDS = { ref: 1, title: 1, status: 1, submittedAt: 1, country: 1, submitter: 1, assignee: 1 } as const;
export type ReportRow = Pick<ReportRecord, keyof typeof ROW_FIELDS | '_id'>;

/** What a row is written from: the report's fields the queue shows, and its revisions. */
export const QUEUE_SOURCE_FIELDS = { ...ROW_FIELDS, revision: 1, assignmentRevision: 1 } as const;
type QueueSource = Pick<ReportRecord, keyof typeof QUEUE_SOURCE_FIELDS | '_id'>;

/** The most rows the queue shows, oldest first. */
const QUEUE_LIMIT = 500;

/** Set (a claim) once a rebuild has completed on this database: from then on the rows are complete. */
const QUEUE_BUILT = 'report-queue:built';
let built = false;

function isOpen(status: string): boolean {
  return (QUEUE_STATUSES as string[]).includes(status);
}

function rowOf(report: QueueSource) {
  return {
    ref: report.ref,
    title: report.title,
    status: report.status,
    submittedAt: report.submittedAt,
    country: report.country,
    ...(report.submitter?.user ? { submitter: { user: report.submitter.user } } : {}),
    ...(report.assignee ? { assignee: report.assignee } : {}),
    version: (report.revision ?? 0) + (report.assignmentRevision ?? 0),
  };
}

/**
 * The queue's rows for these reports as written (`QUEUE_SOURCE_FIELDS` at least): an open one's
 * row (re)written unless a newer one is there, a closed one's row deleted.
 */
export async function keepQueued(reports: readonly QueueSource[]): Promise<void> {
  const open = reports.filter((r) => isOpen(r.status));
  const closed = reports.filter((r) => !isOpen(r.status)).map((r) => r._id);
  if (closed.length) await QueuedReport.deleteMany({ _id: mongoose.trusted({ $in: closed }) } as never);
  // The stored model's rows replaced as written (Mongoose would cast them again): ids and dates already.
  await replaceUnlessNewer(
    QueuedReport.collection,
    open.map((r) => {
      const row = rowOf(r);
      return { _id: r._id, older: { version: { $lte: row.version } }, replacement: row };
    }),
  );
}

/**
 * The reviewers' queue: the open reports (or those of one status), oldest first, as their rows hold
 * them; from the reports themselves for a closed status, or until a first rebuild.
 */
export async function reviewQueue(status?: ReportStatus): Promise<ReportRow[]> {
  built ||= await claimed(QUEUE_BUILT);
  const fromRows = built && (!status || isOpen(status));
  const filter = status ? { status } : fromRows ? {} : { status: mongoose.trusted({ $in: QUEUE_STATUSES }) };
  return ((fromRows ? QueuedReport : Report) as typeof Report)
    .find(filter as never, ROW_FIELDS)
    .sort({ submittedAt: 1 })
    .limit(QUEUE_LIMIT)
    .lean<ReportRow[]>();
}

/**
 * Writes the row of every open report that has none or an older one, and deletes the rows of reports
 * no longer open (or gone); then the rows are complete (`QUEUE_BUILT`). One read of the reports'
 * queue fields and one of the rows: run in the background at each start. Missing rows are inserted
 * (a unique insert each, no search), so a first build does not search the rows once per report.
 * Returns how many reports are open, and how many rows were written and dropped.
 */
export async function rebuildReportQueue(): Promise<{ open: number; written: number; dropped: number }> {
  const open = await Report.find({ status: mongoose.trusted({ $in: QUEUE_STATUSES }) } as never, QUEUE_SOURCE_FIELDS).lean<QueueSource[]>();
  const held = new Map((await QueuedReport.find({}, { version: 1 }).lean()).map((r) => [String(r._id), r.version]));
  const missing = open.filter((r) => !held.has(String(r._id)));
  const older = open.filter((r) => (held.get(String(r._id)) ?? Infinity) < rowOf(r).version);
  for (let i = 0; i < missing.length; i += 1_000) {
    // A row written meanwhile by the report's own write is newer: that insert is refused and dropped.
    await QueuedReport.insertMany(
      missing.slice(i, i + 1_000).map((r) => ({ _id: r._id, ...rowOf(r) })),
      { ordered: false },
    ).catch(unlessOnlyDuplicates);
  }
  if (older.length) await keepQueued(older);
  const openIds = new Set(open.map((r) => String(r._id)));
  // Read again after the writes: a row not among the open reports read above (its report closed, or
  // was sent since), and each row just written (its report may have closed since it was read). A
  // report closed before this read is seen closed here and its row dropped; one closed after it
  // deletes its row itself, after ours was written. So no closed report keeps a row.
  const check = [...new Set([...[...held.keys()].filter((id) => !openIds.has(id)), ...[...missing, ...older].map((r) => String(r._id))])];
  const now = check.length ? await Report.find({ _id: mongoose.trusted({ $in: check }) } as never, { status: 1 }).lean() : [];
  const stillOpen = new Set(now.filter((r) => isOpen(r.status)).map((r) => String(r._id)));
  const dropped = check.filter((id) => !stillOpen.has(id));
  if (dropped.length) await QueuedReport.deleteMany({ _id: mongoose.trusted({ $in: dropped }) } as never);
  await claim(QUEUE_BUILT, 'rebuild');
  built = true;
  return { open: open.length, written: missing.length + older.length, dropped: dropped.length };
}

/** Tests empty the database between cases. */
export function forgetQueueBuilt(): void {
  built = false;
}
