/**
 * The documents with these `_id`s, each read by `_id` alone (in the order given, missing ones left
 * out). Why not one `{_id: {$in: ids}}` query: FerretDB 1.24 pushes down only a lone `_id` equality,
 * so an `$in` scans the whole collection (seconds on a large one), while each lookup here is an index
 * search. For the short lists a command holds (an incident's reports, a dossier's incidents).
 */
interface ById {
  findById(id: string, projection?: Record<string, 0 | 1>): { lean(): PromiseLike<unknown> };
}

export async function findByIds<T>(model: ById, ids: readonly unknown[], projection?: Record<string, 0 | 1>): Promise<T[]> {
  const docs: T[] = [];
  for (const id of [...new Set(ids.map(String))]) {
    const doc = (await model.findById(id, projection).lean()) as T | null;
    if (doc) docs.push(doc);
  }
  return docs;
}
