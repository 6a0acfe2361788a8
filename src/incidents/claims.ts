/**
 * Attribution claims: what an incident's evidence links, and no more.
 *
 * An incident's attributions are claims, each with its own confidence, basis and sources:
 * - a *product* claim: this product was identified (hence its vendor, through the corporate graph);
 * - a *vendor* claim: a product of this vendor, not identified further;
 * - an *operator* claim (kind `government`): this government (optionally an agency) operated the
 *   spyware; it names the product — or the vendor — it operated only where the source links them
 *   (`product` / `vendor` on the claim). An operator claim without that link links nothing.
 *
 * A product → vendor → operator chain exists only where one operator claim names that product (or
 * vendor): two products and two operators in one incident never produce crossed chains. An operator
 * finding that names a product is also a finding that the product was used (catalogue/entry.ts).
 *
 * And one rule for every count (`isFinding`): a claim at medium confidence or above is a *finding*;
 * a low one is a *lead*. Counts, facets, profiles, charts, maps and dossier criteria count findings
 * only; leads are shown as leads, in their own sections.
 */
export const CONFIDENCE_RANK: Record<string, number> = { low: 1, medium: 2, high: 3, confirmed: 4 };

export function isFinding(confidence: string): boolean {
  return (CONFIDENCE_RANK[confidence] ?? 0) >= CONFIDENCE_RANK.medium!;
}

/** An entity reference as stored (an ObjectId) or as read elsewhere (its string). */
type Ref = string | { toString(): string } | null | undefined;

/** A stored attribution, as the incident document holds it. */
export interface StoredClaim {
  kind: string;
  product?: Ref;
  vendor?: Ref;
  government?: Ref;
  agency?: string | null;
  confidence: string;
}

/** The entity a claim is about (the product, the vendor, or the operating government). */
export function subjectOf(a: StoredClaim): string {
  return String(a.kind === 'product' ? a.product : a.kind === 'vendor' ? a.vendor : a.government);
}

/** What an operator claim says was operated: a product, or a vendor's unidentified product; nothing if unlinked. */
export function operatedBy(a: StoredClaim): { product?: string; vendor?: string } {
  if (a.kind !== 'government') return {};
  if (a.product) return { product: String(a.product) };
  if (a.vendor) return { vendor: String(a.vendor) };
  return {};
}

/**
 * Operator claims a reviewer should link: they link nothing although the incident names products or
 * vendors they might have operated. Until linked they count for the government and link it to nothing.
 */
export function unlinkedOperators<T extends StoredClaim>(claims: readonly T[]): T[] {
  const names = claims.some((a) => (a.kind === 'product' && a.product) || (a.kind === 'vendor' && a.vendor));
  return names ? claims.filter((a) => a.kind === 'government' && !a.product && !a.vendor) : [];
}

/** One operation stated by an operator claim: the government and what it operated (vendor resolved from the product). */
export interface Operation {
  government: string;
  product?: string;
  vendor?: string;
  confidence: string;
  finding: boolean;
}

export function operationsOf(claims: readonly StoredClaim[], vendorOfProduct: (id: string) => string | undefined): Operation[] {
  const out: Operation[] = [];
  for (const a of claims) {
    if (a.kind !== 'government' || !a.government) continue;
    const { product, vendor } = operatedBy(a);
    if (!product && !vendor) continue;
    const operatedVendor = vendor ?? (product ? vendorOfProduct(product) : undefined);
    out.push({ government: subjectOf(a), ...(product ? { product } : {}), ...(operatedVendor ? { vendor: operatedVendor } : {}), confidence: a.confidence, finding: isFinding(a.confidence) });
  }
  return out;
}
