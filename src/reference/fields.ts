import { z } from 'zod';
import { isCountryCode } from '../countries/index.js';

export const countryField = z
  .string()
  .trim()
  .toUpperCase()
  .refine((c) => isCountryCode(c), 'validation.country');

export const optionalCountry = z
  .string()
  .trim()
  .toUpperCase()
  .transform((c) => (c === '' ? undefined : c))
  .refine((c) => c === undefined || isCountryCode(c), 'validation.country');

/** http(s) only: no javascript:, data: or file: links can be stored and rendered. */
export const webUrl = z
  .string()
  .trim()
  .max(2000, 'validation.tooLong')
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'http:' || url.protocol === 'https:') && Boolean(url.hostname);
    } catch {
      return false;
    }
  }, 'validation.url');

export const optionalUrl = z.union([z.literal(''), webUrl]).transform((u) => u || undefined);

/** A calendar day that exists: Date.parse alone reads 2025-02-30 as 2 March. */
export function isCalendarDay(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const time = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(d);
}

/** YYYY-MM-DD or empty. */
export const optionalIsoDate = z
  .string()
  .trim()
  .transform((d) => d || undefined)
  .refine((d) => d === undefined || isCalendarDay(d), 'validation.date')
  .transform((d) => (d ? new Date(`${d}T00:00:00Z`) : undefined));

/** YYYY-MM-DD, required. */
export const requiredIsoDate = optionalIsoDate.refine((d): d is Date => d !== undefined, 'validation.required');

export const objectId = z.string().trim().regex(/^[0-9a-f]{24}$/, 'validation.required');

export const objectIdOrEmpty = z
  .string()
  .trim()
  .optional()
  .transform((s) => s || undefined)
  .refine((s) => s === undefined || /^[0-9a-f]{24}$/.test(s), 'validation.invalid');

/** Rows of a repeated form section: blank rows (every field empty) are dropped. */
export function rows<T extends z.ZodTypeAny>(row: T, max: number) {
  return z
    .union([z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.record(z.string(), z.unknown()))])
    .optional()
    .transform((value) => {
      const list = value === undefined ? [] : Array.isArray(value) ? value : Object.values(value);
      return list.filter((r) => Object.entries(r).some(([k, v]) => k !== 'consent' && typeof v === 'string' && v.trim() !== ''));
    })
    .pipe(z.array(row).max(max, 'validation.tooMany') as unknown as z.ZodType<z.output<T>[], Record<string, unknown>[]>);
}
