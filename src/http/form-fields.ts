import express, { type RequestHandler } from 'express';
import { HttpError } from './errors.js';

/**
 * One way to turn form fields (urlencoded and multipart bodies alike) into the nested objects the
 * zod schemas read: `targets[0][category]=x` → `{ targets: [{ category: 'x' }] }`.
 *
 * Why not the libraries' own nesting: multer's `append-field` turns `targets[999999999][category]`
 * into a sparse array of a billion slots that later code walks (one request, 3.9 GB, the process
 * gone), and qs bounds array indices but still builds 32 levels deep. Every bound here is checked on
 * the field *name*, before any object is built, and a refusal is a 400 with a message.
 */
export const FORM_LIMITS = {
  /** Fields per request (our largest form, the incident editor, has under 400). */
  maxFields: 500,
  /** Bracket levels after the first name: `targets[0][category]` has 2. */
  maxDepth: 4,
  /** Highest row index: the largest repeated section has 50 rows. */
  maxIndex: 999,
  maxNameLength: 200,
} as const;

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const SEGMENT = /^\[([^[\]]*)\]/;

export class FormShapeError extends HttpError {
  constructor(reason: string) {
    super(400, 'errors.formShape', { reason });
  }
}

/** `a[b][0]` → ['a', 'b', '0']; refuses names beyond the bounds or that a builder could misuse. */
export function fieldPath(name: string): string[] {
  if (name.length > FORM_LIMITS.maxNameLength) throw new FormShapeError('name too long');
  const open = name.indexOf('[');
  const head = open === -1 ? name : name.slice(0, open);
  if (head === '') throw new FormShapeError('empty name');
  const path = [head];
  let rest = open === -1 ? '' : name.slice(open);
  while (rest !== '') {
    const match = SEGMENT.exec(rest);
    if (!match) throw new FormShapeError('malformed brackets');
    path.push(match[1]!);
    if (path.length - 1 > FORM_LIMITS.maxDepth) throw new FormShapeError('nested too deep');
    rest = rest.slice(match[0].length);
  }
  for (const segment of path) {
    // No form of ours names a field `a[]`: an empty segment is refused rather than guessed at.
    if (segment === '') throw new FormShapeError('malformed brackets');
    if (FORBIDDEN.has(segment)) throw new FormShapeError('reserved name');
    if (/^\d+$/.test(segment) && (segment.length > 4 || Number(segment) > FORM_LIMITS.maxIndex)) throw new FormShapeError('row index too large');
  }
  return path;
}

type Node = Record<string, unknown>;

function child(parent: Node, key: string): Node {
  const existing = parent[key];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Node;
  if (existing !== undefined) throw new FormShapeError('a field is both a value and a group');
  const created: Node = Object.create(null) as Node;
  parent[key] = created;
  return created;
}

function assign(parent: Node, key: string, value: string): void {
  const existing = parent[key];
  if (existing === undefined) parent[key] = value;
  else if (typeof existing === 'string') parent[key] = [existing, value];
  else if (Array.isArray(existing)) existing.push(value);
  else throw new FormShapeError('a field is both a value and a group');
}

/** Groups whose keys are all row indices become dense arrays in index order (holes closed). */
function finish(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const node = value as Node;
  const keys = Object.keys(node);
  const out: Node = {};
  for (const key of keys) out[key] = finish(node[key]);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.map(Number).sort((a, b) => a - b).map((k) => out[String(k)]);
  }
  return out;
}

/** Builds the nested body from (name, value) pairs, within FORM_LIMITS; throws FormShapeError (400). */
export function buildForm(pairs: Iterable<readonly [string, string]>): Record<string, unknown> {
  const root: Node = Object.create(null) as Node;
  let count = 0;
  for (const [name, value] of pairs) {
    if (++count > FORM_LIMITS.maxFields) throw new FormShapeError('too many fields');
    const path = fieldPath(name);
    let node = root;
    for (const segment of path.slice(0, -1)) node = child(node, segment);
    assign(node, path[path.length - 1]!, value);
  }
  return finish(root) as Record<string, unknown>;
}

const readUrlencoded = express.text({ type: 'application/x-www-form-urlencoded', limit: '100kb', defaultCharset: 'utf-8' });

/** application/x-www-form-urlencoded bodies (100 kB), nested by buildForm within FORM_LIMITS. */
export const urlencodedForm: RequestHandler = (req, res, next) => {
  readUrlencoded(req, res, (err?: unknown) => {
    if (err) return next(err);
    if (typeof req.body !== 'string' || !req.is('application/x-www-form-urlencoded')) return next();
    try {
      req.body = buildForm(new URLSearchParams(req.body));
      next();
    } catch (refused) {
      next(refused);
    }
  });
};

/** Query strings stay flat (no nesting at all); a repeated key gives a list, as before. */
export const MAX_QUERY_KEYS = 100;

export function parseQueryString(query: string | null | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  let count = 0;
  for (const [key, value] of new URLSearchParams(query ?? '')) {
    if (++count > MAX_QUERY_KEYS) throw new HttpError(400, 'errors.queryShape');
    if (FORBIDDEN.has(key)) throw new HttpError(400, 'errors.queryShape');
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}
