import { normaliseIndicator, type IndicatorType } from '../facts/indicators.js';

/**
 * STIX patterns with a single comparison, the ones Amnesty's Mobile Verification Toolkit (MVT)
 * reads from `--iocs` bundles, mapped to this site's indicator types. The first spelling of each
 * type is the one exports use.
 */
const PATHS: [string, IndicatorType][] = [
  ['domain-name:value', 'domain'],
  ['url:value', 'url'],
  ['ipv4-addr:value', 'ipv4'],
  ['ipv6-addr:value', 'ipv6'],
  ['email-addr:value', 'email'],
  ['process:name', 'process'],
  ['file:name', 'file-name'],
  ['file:path', 'file-path'],
  ['file:hashes.md5', 'md5'],
  ["file:hashes.'md5'", 'md5'],
  ['file:hashes.sha1', 'sha1'],
  ["file:hashes.'sha-1'", 'sha1'],
  ['file:hashes.sha256', 'sha256'],
  ["file:hashes.'sha-256'", 'sha256'],
  ['app:id', 'app-id'],
  ['configuration-profile:id', 'configuration-profile'],
  ['android-property:name', 'android-property'],
  // Android signing certificates, as MVT's Android bundles write them.
  ['app:cert.sha256', 'app-cert-sha256'],
  ['app:cert.md5', 'app-cert-md5'],
];
const TYPE_OF_PATH = new Map(PATHS.map(([p, t]) => [p, t]));
const PATH_OF_TYPE = new Map<IndicatorType, string>();
for (const [p, t] of PATHS) if (!PATH_OF_TYPE.has(t)) PATH_OF_TYPE.set(t, p);

const SINGLE = /^\[\s*([a-z0-9-]+:[a-z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]$/i;

export type ParsedPattern = { ok: true; type: IndicatorType; value: string } | { ok: false; reason: 'syntax-error' | 'not-single-comparison' | 'unsupported-path' | 'invalid-value' };

/** An address written as a domain name (`domain-name:value = '1.2.3.4'`, as some MVT bundles do): filed as the address. */
function addressWrittenAsDomain(value: string): IndicatorType | undefined {
  return normaliseIndicator('ipv4', value) ? 'ipv4' : normaliseIndicator('ipv6', value) ? 'ipv6' : undefined;
}

/**
 * Whether a pattern is well formed as far as its structure goes: observation brackets balanced
 * outside quoted strings, every string closed, each comparison `path op value`. A structural check,
 * not the full STIX pattern grammar: it tells a broken pattern from a valid one this site does not
 * support (several comparisons, other operators, qualifiers).
 */
function wellFormed(pattern: string): boolean {
  let depth = 0;
  let quoted = false;
  let outside = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === "'") quoted = false;
      continue;
    }
    if (ch === "'") {
      quoted = true;
      outside += 'V';
    } else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') {
      if (--depth < 0) return false;
    }
    if (ch !== "'") outside += ch;
  }
  if (quoted || depth !== 0 || !/^\s*[[(]/.test(pattern)) return false;
  const comparisons = outside.split(/\b(?:AND|OR|FOLLOWEDBY)\b|[[\]()]/).map((c) => c.trim()).filter((c) => c && !/^(WITHIN|REPEATS|START|STOP|SECONDS|TIMES|[\dV]+|\s)+$/i.test(c));
  return comparisons.every((c) => /^[a-z0-9-]+:[\w.'*-]+\s*(=|!=|<>|>=|<=|>|<|IN|LIKE|MATCHES|ISSUBSET|ISSUPERSET|NOT\s+\w+)\s*(V|\(.*\)|[\w.:'-]+|b'.*'|t'.*'|h'.*')\s*$/i.test(c));
}

export function parsePattern(pattern: string): ParsedPattern {
  const match = SINGLE.exec(pattern.trim());
  if (!match) return { ok: false, reason: wellFormed(pattern) ? 'not-single-comparison' : 'syntax-error' };
  const path = match[1]!.toLowerCase();
  const raw = match[2]!.replace(/\\(.)/g, '$1');
  const type = (path === 'domain-name:value' ? addressWrittenAsDomain(raw) : undefined) ?? TYPE_OF_PATH.get(path);
  if (!type) return { ok: false, reason: 'unsupported-path' };
  const value = normaliseIndicator(type, raw);
  return value === undefined ? { ok: false, reason: 'invalid-value' } : { ok: true, type, value };
}

export function patternOf(type: IndicatorType, value: string): string {
  return `[${PATH_OF_TYPE.get(type)}='${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}
