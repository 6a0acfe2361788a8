import { Incident, type IncidentDocument } from './model.js';

/**
 * Where each incident is, by its reference (`I-2026-00042` → `_id`). A reference never changes, so
 * the mapping can be kept: a page or a command finds its incident by `_id`, the one lookup the
 * embedded engine pushes down, instead of a `{ref}` query that scans every incident (seconds at
 * 100,000). Filled by one scan at start-up (in the background), by this process's inserts, and by
 * the fallback query for a reference another process created. An entry for a deleted incident
 * finds nothing by `_id` and falls back to the query, so a stale entry never answers.
 */
const ids = new Map<string, string>();
let warming: Promise<void> | undefined;

export function rememberIncidentRefs(docs: readonly { ref: string; _id: unknown }[]): void {
  for (const doc of docs) ids.set(doc.ref, String(doc._id));
}

/** One scan of references and ids: started once, after the server listens. */
export function warmIncidentRefs(): Promise<void> {
  warming ??= Incident.find({}, { ref: 1 })
    .lean()
    .then((docs) => rememberIncidentRefs(docs as never))
    .catch(() => {
      warming = undefined;
    });
  return warming;
}

export async function findIncident(ref: string): Promise<IncidentDocument | null> {
  if (!/^I-\d{4}-\d{5}$/.test(ref)) return null;
  const id = ids.get(ref);
  if (id) {
    const doc = await Incident.findById(id);
    if (doc?.ref === ref) return doc;
    ids.delete(ref);
  }
  const doc = await Incident.findOne({ ref });
  if (doc) ids.set(ref, String(doc._id));
  return doc;
}
