import type { Model } from 'mongoose';
import { z } from 'zod';

/** Lower-case ASCII words joined by hyphens: stable, readable URLs. */
export const slugField = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'validation.slug')
  .max(80, 'validation.tooLong');

export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

export type SlugLookup<D> = { doc: D; redirect: false } | { doc: D; redirect: true } | undefined;

/**
 * Finds a record by its current slug or by one it had before: old links keep working and the
 * caller redirects them (301) to the current address.
 */
export async function findBySlug<T extends { slug: string }>(model: Model<T>, slug: string): Promise<SlugLookup<InstanceType<Model<T>>>> {
  if (!/^[a-z0-9-]{1,80}$/.test(slug)) return undefined;
  const current = await model.findOne({ slug } as never);
  if (current) return { doc: current, redirect: false };
  const renamed = await model.findOne({ previousSlugs: slug } as never);
  return renamed ? { doc: renamed, redirect: true } : undefined;
}

/** Lines of a textarea → trimmed, non-empty, de-duplicated entries. */
export const lineList = (maxItems: number, maxLength: number) =>
  z
    .string()
    .max(maxItems * (maxLength + 2), 'validation.tooLong')
    .default('')
    .transform((s) => [...new Set(s.split(/\r?\n/).map((l) => l.trim()).filter(Boolean))])
    .pipe(z.array(z.string().max(maxLength, 'validation.tooLong')).max(maxItems, 'validation.tooMany'));
