import { createHash } from 'node:crypto';

/** This site's namespace for name-based (UUIDv5) STIX identifiers. */
const NAMESPACE = Buffer.from('6f1c0d3a9b8e4f5aa1c2d3e4f5a6b7c8', 'hex');

/**
 * A STIX identifier derived from what the object is (RFC 4122 version 5, SHA-1 of a name): the same
 * product, vendor or indicator gets the same id in every export, so tools that merge bundles
 * recognise it, and exporting twice gives the same bundle.
 */
export function stixId(type: string, ...parts: string[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${type}:${parts.join('\u0000')}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${type}--${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** STIX timestamps: RFC 3339 in UTC with milliseconds. */
export function stixTime(date: Date): string {
  return date.toISOString();
}
