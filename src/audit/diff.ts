import { canonicalJson } from './canonical.js';

/**
 * The fields whose value changed, each with before and after, for an audit event's details.
 * Protected values are never passed here: callers give only public fields (or mark them).
 */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  fields: readonly string[],
): Record<string, { before: unknown; after: unknown }> {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const field of fields) {
    const a = canonicalJson(before[field] ?? null);
    const b = canonicalJson(after[field] ?? null);
    if (a !== b) changes[field] = { before: JSON.parse(a) as unknown, after: JSON.parse(b) as unknown };
  }
  return changes;
}
