/** Form values are strings, the same shape whether they come from a record or from a failed POST. */
export function isoDay(date: Date | null | undefined): string {
  return date ? date.toISOString().slice(0, 10) : '';
}

export function idString(id: unknown): string {
  return id ? (id as { toString(): string }).toString() : '';
}

/** The display name in the page's language (Arabic name when there is one). */
export function displayName(entity: { name: string; nameAr?: string | null }, lng: string): string {
  return lng === 'ar' && entity.nameAr ? entity.nameAr : entity.name;
}
