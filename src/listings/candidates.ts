import type { Catalogue } from '../catalogue/index.js';
import type { EntityInfo } from '../catalogue/entities.js';
import { CONFIDENCE_RANK, type Entry } from '../catalogue/entry.js';
import { linkedOperations, scopeEntries } from '../charts/stats.js';
import { STALE_YEARS } from '../dossiers/framing.js';
import { latest } from '../facts/dates.js';

/**
 * Candidates: vendors not listed (under the chosen regime, or under any) ranked by what the verified
 * record shows about them. The score is a plain sum, printed with each rank so anyone can redo it:
 *   score = findings + recent findings + findings at high or confirmed + 2 × operator governments + target categories
 * - findings: published incidents naming the vendor or its subsidiaries in a finding (the profile's count);
 * - recent: those whose latest possible date falls in the last STALE_YEARS years or this year;
 * - high: those where a finding about the vendor (or its product, or an operator of it) is high or confirmed;
 * - operator governments: distinct governments an operator finding says operated its products;
 * - target categories: distinct categories of targets (journalist, activist ...).
 * Ties: more findings first, then the slug (alphabetical): the same data gives the same ranking.
 */
export const WEIGHTS = { findings: 1, recent: 1, high: 1, governments: 2, categories: 1 } as const;

export interface Candidate {
  rank: number;
  slug: string;
  name: string;
  nameAr: string;
  country: string;
  findings: number;
  recent: number;
  high: number;
  governments: number;
  categories: string[];
  score: number;
  /** regimes under which it is listed (when a regime is chosen it may be listed elsewhere) */
  listedElsewhere: string[];
}

export interface Flag {
  kind: 'successor' | 'subsidiary' | 'productAfter';
  regime: string;
  /** the company or product not covered */
  subject: { kind: 'vendor' | 'product'; slug: string; name: string; nameAr: string };
  /** the listed company it is linked to, and the action that listed it */
  listed: { slug: string; name: string; nameAr: string; action: string; date: string };
  /** productAfter: incidents with a finding naming the product that began on or after the listing date */
  incidents?: number;
  query?: string;
}

export interface CandidateFilter {
  regime?: string;
  country?: string;
}

function isListed(v: EntityInfo, regime?: string): boolean {
  return v.listings.some((l) => l.status === 'listed' && (!regime || l.regime === regime));
}

/** The best confidence of a finding about the vendor's family in one incident: vendor, product or operator claims. */
function bestRank(e: Entry, family: ReadonlySet<string>): number {
  let best = 0;
  for (const a of e.attributions) {
    if (!a.finding) continue;
    const about = (a.kind === 'vendor' && family.has(a.id)) || (a.kind === 'product' && family.has(e.productVendors[a.id] ?? ''));
    if (about) best = Math.max(best, CONFIDENCE_RANK[a.confidence] ?? 0);
  }
  for (const o of e.operations) if (o.finding && o.vendor && family.has(o.vendor)) best = Math.max(best, CONFIDENCE_RANK[o.confidence] ?? 0);
  return best;
}

export function rankCandidates(c: Catalogue, filter: CandidateFilter, now: Date): { candidates: Candidate[]; withoutFindings: number } {
  const recentFrom = now.getUTCFullYear() - STALE_YEARS;
  const vendors = [...c.entities.byId.values()].filter((e) => e.kind === 'vendor' && !isListed(e, filter.regime) && (!filter.country || e.country === filter.country));
  const scored = vendors.map((v) => {
    const entries = scopeEntries(c, 'vendor', v.slug) ?? [];
    const family = c.entities.vendorFamily(v.id);
    const operations = linkedOperations(c, 'vendor', v.id);
    const findings = entries.length;
    const recent = entries.filter((e) => latest(e.to ?? e.from).getUTCFullYear() >= recentFrom).length;
    const high = entries.filter((e) => bestRank(e, family) >= CONFIDENCE_RANK.high!).length;
    const governments = new Set(entries.flatMap((e) => operations(e).map((o) => o.government))).size;
    const categories = [...new Set(entries.flatMap((e) => e.categories))].sort();
    const score = WEIGHTS.findings * findings + WEIGHTS.recent * recent + WEIGHTS.high * high + WEIGHTS.governments * governments + WEIGHTS.categories * categories.length;
    return { rank: 0, slug: v.slug, name: v.name, nameAr: v.nameAr, country: v.country ?? '', findings, recent, high, governments, categories, score, listedElsewhere: [...new Set(v.listings.filter((l) => l.status === 'listed').map((l) => l.regime))].sort() };
  });
  const candidates = scored.filter((s) => s.findings > 0).sort((a, b) => b.score - a.score || b.findings - a.findings || a.slug.localeCompare(b.slug));
  candidates.forEach((s, n) => (s.rank = n + 1));
  return { candidates, withoutFindings: scored.length - candidates.length };
}

/**
 * What listings miss, for each company listed (status listed) under a regime:
 * - successor: a company it continued as after a rename (following renames) not listed under that regime;
 * - subsidiary: a company below it in the corporate graph not listed under that regime;
 * - productAfter: a product of its family named in findings of incidents that began on or after the listing date.
 */
export function evasionFlags(c: Catalogue, filter: CandidateFilter): Flag[] {
  const flags: Flag[] = [];
  const named = (e: EntityInfo) => ({ slug: e.slug, name: e.name, nameAr: e.nameAr });
  const vendors = [...c.entities.byId.values()].filter((e) => e.kind === 'vendor').sort((a, b) => a.slug.localeCompare(b.slug));
  for (const v of vendors) {
    for (const l of v.listings) {
      if (l.status !== 'listed' || (filter.regime && l.regime !== filter.regime)) continue;
      const listed = { ...named(v), action: l.action, date: l.date };
      const seen = new Set([v.id]);
      for (let s = v.successor ? c.entities.byId.get(v.successor) : undefined; s && !seen.has(s.id); s = s.successor ? c.entities.byId.get(s.successor) : undefined) {
        seen.add(s.id);
        if (!isListed(s, l.regime) && (!filter.country || s.country === filter.country)) flags.push({ kind: 'successor', regime: l.regime, subject: { kind: 'vendor', ...named(s) }, listed });
      }
      const family = c.entities.vendorFamily(v.id);
      for (const id of [...family].filter((id) => id !== v.id)) {
        const sub = c.entities.byId.get(id)!;
        if (!isListed(sub, l.regime) && (!filter.country || sub.country === filter.country)) flags.push({ kind: 'subsidiary', regime: l.regime, subject: { kind: 'vendor', ...named(sub) }, listed });
      }
      if (!l.date || (filter.country && v.country !== filter.country)) continue;
      const since = Date.parse(`${l.date}T00:00:00Z`);
      const products = [...c.entities.byId.values()].filter((p) => p.kind === 'product' && p.vendor && family.has(p.vendor)).sort((a, b) => a.slug.localeCompare(b.slug));
      for (const p of products) {
        const n = c.select({ productId: p.id, since }).length;
        if (n) flags.push({ kind: 'productAfter', regime: l.regime, subject: { kind: 'product', ...named(p) }, listed, incidents: n, query: `product=${p.slug}&since=${l.date}` });
      }
    }
  }
  return flags;
}
