import type { ActionInfo } from '../catalogue/entities.js';
import type { Catalogue } from '../catalogue/index.js';
import type { Flag } from './candidates.js';
import { displayName } from '../reference/presenter.js';

/** An action as the pages show it: the companies it names (as named), its basis in the page's language when there is one. */
export function presentAction(c: Catalogue, a: ActionInfo, lng: 'en' | 'ar') {
  return {
    ...a,
    basisText: lng === 'ar' && a.basisAr ? a.basisAr : a.basis,
    basisLang: lng === 'ar' && a.basisAr ? 'ar' : 'en',
    named: a.entities.map((e) => ({ entity: c.entities.byId.get(e.vendor), asNamed: e.asNamed })).filter((e) => e.entity).map((e) => ({ slug: e.entity!.slug, name: displayName(e.entity!, lng), asNamed: e.asNamed })),
  };
}

/** A flag as one sentence, and where it leads (the incidents it counts, or the company's profile): the candidates page and Following. */
export function presentFlag(f: Flag, lng: string, t: (key: string, values?: Record<string, unknown>) => string) {
  return {
    ...f,
    text: t(`listings.flag.${f.kind}`, { subject: displayName(f.subject, lng), listed: displayName(f.listed, lng), regime: t(`regimes.${f.regime}`), date: f.listed.date, count: f.incidents ?? 0 }),
    href: f.query ? `/incidents?${f.query}` : `/${f.subject.kind}s/${f.subject.slug}`,
  };
}
