import mongoose, { Schema } from 'mongoose';
import type { ImportError } from './csv-table.js';

/**
 * A spreadsheet import runs as a job: the upload answers once the job has finished or after a few
 * seconds, whichever comes first, and a large file is followed on its progress page. The job record
 * has one writer, the process running it (its `$set`s race with nobody), and holds what the result
 * page shows: the rows made, or every error. Records are removed after a day (sweepImportJobs).
 *
 * A job is not resumed after a restart: the page says it stopped. The rows it had written are drafts
 * whose import keys are claimed, so uploading the file again makes only the rest (incidents/csv-import.ts).
 */
const importJobSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** The import's page (/review/import …): a job is shown only there, and only to who started it. */
    path: { type: String, required: true },
    actor: { type: String, required: true },
    status: { type: String, enum: ['running', 'done', 'refused', 'failed'], required: true },
    /** Rows read, and rows written so far. */
    total: { type: Number, default: 0 },
    written: { type: Number, default: 0 },
    startedAt: { type: Date, required: true },
    /** Moved on after every batch: a running job whose heartbeat is old has stopped (a restart). */
    heartbeat: { type: Date, required: true },
    endedAt: { type: Date },
    created: { type: [String], default: [] },
    rows: { type: Schema.Types.Mixed, default: [] },
    importErrors: { type: Schema.Types.Mixed, default: [] },
  },
  { versionKey: false, minimize: false },
);
export const ImportJob = mongoose.model('ImportJob', importJobSchema);

/** A running job that has not moved for this long is reported as stopped. */
export const STALE_JOB_MS = 2 * 60_000;

export type JobState = 'running' | 'done' | 'refused' | 'failed' | 'stopped';

export interface JobView {
  id: string;
  state: JobState;
  total: number;
  written: number;
  startedAt: Date;
  created: string[];
  rows: unknown[];
  errors: ImportError[];
}

export function jobView(job: { _id: string; status: string; total: number; written: number; startedAt: Date; heartbeat: Date; created?: string[]; rows?: unknown; importErrors?: unknown }, now = Date.now()): JobView {
  const stopped = job.status === 'running' && now - job.heartbeat.getTime() > STALE_JOB_MS;
  return {
    id: job._id,
    state: stopped ? 'stopped' : (job.status as JobState),
    total: job.total,
    written: job.written,
    startedAt: job.startedAt,
    created: job.created ?? [],
    rows: (job.rows as unknown[]) ?? [],
    errors: (job.importErrors as ImportError[]) ?? [],
  };
}

/** What an import reports while it runs: rows written of rows read. */
export type Progress = (written: number, total: number) => Promise<void>;

export function progressOf(id: string): Progress {
  return async (written, total) => {
    await ImportJob.updateOne({ _id: id }, { $set: { written, total, heartbeat: new Date() } });
  };
}

/** Removes job records older than a day (acknowledged delete, from the periodic sweep). */
export async function sweepImportJobs(now = new Date()): Promise<number> {
  const removed = await ImportJob.deleteMany({ startedAt: mongoose.trusted({ $lt: new Date(now.getTime() - 86_400_000) }) } as never);
  return removed.deletedCount;
}
