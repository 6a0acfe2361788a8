import { countryName } from '../countries/index.js';
import { stixId, stixTime } from './ids.js';

/**
 * The STIX objects for what this site keeps a record of (vendors, governments, products, countries),
 * one way for every export: the product bundles (stix/claims.ts, stix/service.ts) and the dossiers
 * (dossiers/formats/stix.ts). The same record gives the same object everywhere:
 *
 * - the id comes from the slug (UUIDv5, stix/ids.ts);
 * - `created` is when the record was created and `modified` when it was last edited: never the time
 *   of the export, so two exports of an unchanged record carry the same version of the object;
 * - names are the English ones, whatever the language of the export; an Arabic name travels as a
 *   `language-content` object (STIX 2.1 section 7.1) pointing at that version (`object_modified`).
 */
export interface RecordedEntity {
  slug: string;
  name: string;
  nameAr?: string | null;
  createdAt?: Date | null;
  updatedAt?: Date | null;
}

export type StixObject = Record<string, unknown> & { type: string; id: string; created: string; modified: string };

/** The site itself, the author (`created_by_ref`) of every object it states. */
export const SITE = stixId('identity', 'site');
const EPOCH = new Date(0);

export function siteIdentity(origin: string): StixObject {
  return { type: 'identity', spec_version: '2.1', id: SITE, created: stixTime(EPOCH), modified: stixTime(EPOCH), name: 'Surveillance misuse incident tracker', identity_class: 'organization', contact_information: origin };
}

/** `created` and `modified` of a record's object: its own creation and last edit. */
export function versionOf(e: Pick<RecordedEntity, 'createdAt' | 'updatedAt'>): { created: string; modified: string } {
  const created = e.createdAt ?? EPOCH;
  const modified = e.updatedAt && e.updatedAt > created ? e.updatedAt : created;
  return { created: stixTime(created), modified: stixTime(modified) };
}

const stated = (e: RecordedEntity) => ({ spec_version: '2.1', ...versionOf(e), created_by_ref: SITE });

export function vendorIdentity(v: RecordedEntity): StixObject {
  return { type: 'identity', id: stixId('identity', 'vendor', v.slug), ...stated(v), name: v.name, identity_class: 'organization', sectors: ['technology'], roles: ['vendor'] };
}

/**
 * A government client: its `identity`, and the nation-state `threat-actor` that acts for it
 * (`attributed-to` the identity), as STIX 2.1 suggests; what it operated is a `uses` from the actor.
 */
export function governmentObjects(g: RecordedEntity & { country?: string | null }): { identity: StixObject; actor: StixObject; attributedTo: StixObject } {
  const base = stated(g);
  const identity = { type: 'identity', id: stixId('identity', 'government', g.slug), ...base, name: g.name, identity_class: 'organization', sectors: ['government-national'] };
  const actor = { type: 'threat-actor', id: stixId('threat-actor', 'government', g.slug), ...base, name: g.name, threat_actor_types: ['nation-state'], ...(g.country ? { description: `Government client (country ${g.country})` } : {}) };
  const attributedTo = { type: 'relationship', id: stixId('relationship', 'attributed-to', actor.id, identity.id), ...base, relationship_type: 'attributed-to', source_ref: actor.id, target_ref: identity.id };
  return { identity, actor, attributedTo };
}

export const STIX_MALWARE_CATEGORIES = new Set(['spyware', 'network-injection']);

/** A product as a STIX object: malicious code as `malware`, the other categories as `tool`. */
export function productObject(product: RecordedEntity & { aliases?: string[]; category: string; description?: string | null }): StixObject {
  const isMalware = STIX_MALWARE_CATEGORIES.has(product.category);
  const type = isMalware ? 'malware' : 'tool';
  return {
    type,
    spec_version: '2.1',
    id: stixId(type, 'product', product.slug),
    ...versionOf(product),
    name: product.name,
    ...(product.description ? { description: product.description } : {}),
    ...(product.aliases?.length ? { aliases: product.aliases } : {}),
    ...(isMalware ? { is_family: true, malware_types: [product.category === 'spyware' ? 'spyware' : 'remote-access-trojan'] } : { tool_types: [product.category] }),
    // The site's own category, kept whatever the STIX type (a custom property, STIX 2.1 section 11.1).
    x_tracker_category: product.category,
  };
}

/** A country (ISO 3166-1 alpha-2), named in English; its Arabic name by `arabicName`. */
export function countryLocation(code: string): StixObject {
  return { type: 'location', spec_version: '2.1', id: stixId('location', code), created: stixTime(EPOCH), modified: stixTime(EPOCH), name: countryName(code, 'en'), country: code };
}

export function arabicCountryName(code: string): string {
  const ar = countryName(code, 'ar');
  return ar === code ? '' : ar;
}

/** Where an incident's report points when it names nothing else (a report needs an object_ref). */
export function unknownLocation(): StixObject {
  return { type: 'location', spec_version: '2.1', id: stixId('location', 'unknown'), created: stixTime(EPOCH), modified: stixTime(EPOCH), name: 'Unknown', region: 'unknown' };
}

type Collected = Record<string, unknown>;

/** The objects of a bundle, each once (the first one added wins), in the order they were added. */
export class StixObjects {
  private readonly byId = new Map<string, Collected>();

  /** Adds an object unless one with its id is there; returns its id. */
  add(object: Collected): string {
    const id = String(object.id);
    if (!this.byId.has(id)) this.byId.set(id, object);
    return id;
  }

  /** A record's object and its Arabic name (language-content), when it has one. */
  named(object: StixObject, nameAr: string | null | undefined): string {
    this.add(object);
    const language = arabicName(object, nameAr);
    if (language) this.add(language);
    return object.id;
  }

  get(id: string): Collected | undefined {
    return this.byId.get(id);
  }

  all(): Collected[] {
    return [...this.byId.values()];
  }
}

/** The Arabic name of an object, for the version of it given (none when there is no Arabic name). */
export function arabicName(object: StixObject, nameAr: string | null | undefined): StixObject | undefined {
  if (!nameAr?.trim()) return undefined;
  return {
    type: 'language-content',
    spec_version: '2.1',
    id: stixId('language-content', object.id, 'ar'),
    created: object.modified,
    modified: object.modified,
    ...(object.created_by_ref ? { created_by_ref: object.created_by_ref } : {}),
    object_ref: object.id,
    object_modified: object.modified,
    contents: { ar: { name: nameAr } },
  };
}
