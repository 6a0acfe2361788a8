import { createHash } from 'node:crypto';
import { catalogue } from '../catalogue/index.js';
import { claim } from '../db/claims.js';
import { notify } from '../notifications/service.js';
import { repeat } from '../periodic.js';
import { Watch, watchItems } from './watch.js';

/**
 * Followers are told (in the inbox, and by e-mail if they chose it) when something new appears on
 * what they follow: new findings, actions, candidates or flags since they were last told. Each
 * notice is claimed by the set of new items, so two processes never send the same notice twice.
 * Watches are few (one per person and target): they are read whole.
 */
export async function notifyWatchNews(): Promise<number> {
  const c = await catalogue();
  let told = 0;
  for (const w of await Watch.find({}).lean()) {
    const known = new Set([...w.seen, ...(w.notified ?? [])]);
    const fresh = watchItems(c, w.kind, w.key).filter((i) => !known.has(i.key)).map((i) => i.key);
    if (!fresh.length) continue;
    const digest = createHash('sha256').update(fresh.sort().join('\n')).digest('hex').slice(0, 32);
    if (!(await claim(`watch-news:${w._id}:${digest}`, 'watch-notifier'))) continue;
    await Watch.updateOne({ _id: w._id }, { $set: { notified: [...(w.notified ?? []), ...fresh] } });
    told += await notify([String(w.user)], 'watch.news', w.kind === 'candidates' ? 'candidates' : `${w.kind}:${w.key}`);
  }
  return told;
}

let notifier: ReturnType<typeof repeat> | undefined;

/** The server checks every `intervalMs` (default 5 minutes). */
export function startWatchNotifier(intervalMs = 5 * 60_000, onError?: (err: unknown) => void): void {
  notifier ??= repeat(() => notifyWatchNews(), intervalMs, onError);
}

export async function stopWatchNotifier(): Promise<void> {
  await notifier?.stop();
  notifier = undefined;
}
