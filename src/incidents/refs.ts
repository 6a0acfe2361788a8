import { catalogue } from '../catalogue/index.js';
import { Incident, type IncidentDocument, type IncidentRecord } from './model.js';

/**
 * An incident by its reference (`I-2026-00042`). The catalogue holds every incident, published or
 * not (catalogue/working.ts), so it knows each reference's `_id`, and the incident is read by `_id`:
 * the one lookup the embedded engine pushes down, instead of a `{ref}` query that scans every
 * incident (seconds at 100,000). A reference it does not know yet (another process created it in the
 * last seconds) falls back to the query once; so does an entry that finds nothing, so a stale
 * entry never answers.
 */
export async function findIncident(ref: string): Promise<IncidentDocument | null> {
  if (!/^I-\d{4}-\d{5}$/.test(ref)) return null;
  const id = (await catalogue()).idOf(ref);
  if (id) {
    const doc = await Incident.findById(id);
    if (doc?.ref === ref) return doc;
  }
  return Incident.findOne({ ref });
}

/**
 * An incident for a page that only shows it (the staff's incident page): the read model's copy (a
 * fresh decode of its record, never shared with another request),
 * without a database read (`findById` alone scans up to every incident on the embedded engine,
 * 0.1-0.9 s at 100,000). It is what this process last wrote, and what other processes wrote once
 * the change log brought it (catalogue/index.ts watchForOtherProcesses). Commands start from
 * `findIncident` instead: they act on the stored revision.
 */
export async function incidentToShow(ref: string): Promise<IncidentDocument | IncidentRecord | null> {
  if (!/^I-\d{4}-\d{5}$/.test(ref)) return null;
  // A copy decoded for this request, as plain data: building a Mongoose document of it was a sixth of the page's time.
  const record = (await catalogue()).recordOf(ref);
  return record ? (record as unknown as IncidentRecord) : findIncident(ref);
}
