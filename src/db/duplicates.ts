/** Whether a write was refused only because its unique key is taken (E11000): how a unique insert decides. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

/**
 * For an unordered bulk write in which a refused insert is expected (a versioned upsert that met a
 * newer document, a row written meanwhile): throws the error unless every write it refused was
 * refused for a taken key; the other writes went through.
 */
export function unlessOnlyDuplicates(err: unknown): void {
  const errors = (err as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
  const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
  if (!list.length || !list.every(isDuplicateKey)) throw err;
}
