import { recordChange, type Change } from './changes.js';

/**
 * Domain events: what a command changed of the data the public pages show, published once the
 * write is acknowledged. Commands publish; they do not know who listens. Two things follow from
 * each event:
 * - every subscriber in this process applies it, in the order published (the read model,
 *   catalogue/index.ts, updates its entries from the documents written, with no read);
 * - it is recorded in the change log (events/changes.ts), which the other app processes and this
 *   one's next start read. That happens whether or not anything here subscribes: a seed or a CLI
 *   command with no read model loaded still tells the running app.
 */
export type DomainEvent =
  /** Incidents created, edited, submitted, published, sent back or retracted: the documents as written (`returnDocument: 'after'`). */
  | { kind: 'incidents-written'; docs: readonly unknown[] }
  /** Incidents written without the documents at hand (a migration): subscribers read them by `_id`. */
  | { kind: 'incidents-changed'; ids: readonly unknown[] }
  /** Incidents deleted (an import undone). */
  | { kind: 'incidents-removed'; ids: readonly unknown[] }
  /** A vendor, product or government edited (names, aliases, the corporate graph), or its official actions. */
  | { kind: 'entities-changed' }
  /** Other data a public page shows beside the incidents (an evidence file made public or restricted, indicators imported). */
  | { kind: 'public-data-changed' }
  /** Everything replaced at once (a seed): every process reads everything again. */
  | { kind: 'replaced' };

export interface Subscriber {
  /** Applies the event in this process; it is recorded for the others after every subscriber applied it. */
  apply(event: DomainEvent): Promise<void>;
  /** The event's record in the change log (its number), once written. */
  recorded?(change: Change): void;
}

const subscribers: Subscriber[] = [];

/** A subscriber (the read model subscribes when its module is loaded, for the life of the process); returns its unsubscribe. */
export function subscribe(subscriber: Subscriber): () => void {
  subscribers.push(subscriber);
  return () => {
    const at = subscribers.indexOf(subscriber);
    if (at !== -1) subscribers.splice(at, 1);
  };
}

export async function publish(event: DomainEvent): Promise<Change> {
  for (const subscriber of subscribers) await subscriber.apply(event);
  const change = await recordChange(changeOf(event));
  for (const subscriber of subscribers) subscriber.recorded?.(change);
  return change;
}

/** What the change log keeps of an event: which incidents, or which kind of change. */
function changeOf(event: DomainEvent): Parameters<typeof recordChange>[0] {
  switch (event.kind) {
    case 'incidents-written':
      return { incidents: event.docs.filter(Boolean).map((d) => String((d as { _id: unknown })._id)) };
    case 'incidents-changed':
    case 'incidents-removed':
      return { incidents: event.ids.map(String) };
    case 'entities-changed':
      return { entities: true };
    case 'public-data-changed':
      return { touched: true };
    case 'replaced':
      return { replaced: true };
  }
}
