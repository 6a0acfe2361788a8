import type { Response } from 'express';

/**
 * The licence the operators publish the data under (DATA_LICENCE), stated on the pages, in a
 * `Link: <…>; rel="license"` header of every export (CSV, Atom, JSON API) and in the API's answers.
 * Unset, the site states no licence and says so: reuse beyond quotation is then for the operators
 * to allow. The choice is the operators': the code only states it.
 */
export const LICENCES = {
  'CC-BY-4.0': { name: 'Creative Commons Attribution 4.0 International (CC BY 4.0)', url: 'https://creativecommons.org/licenses/by/4.0/' },
  'CC-BY-SA-4.0': { name: 'Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)', url: 'https://creativecommons.org/licenses/by-sa/4.0/' },
  'CC0-1.0': { name: 'Creative Commons Zero 1.0 (public domain dedication)', url: 'https://creativecommons.org/publicdomain/zero/1.0/' },
  'ODbL-1.0': { name: 'Open Data Commons Open Database License 1.0 (ODbL)', url: 'https://opendatacommons.org/licenses/odbl/1-0/' },
} as const;
export type LicenceId = keyof typeof LICENCES;

let current: { id: LicenceId; name: string; url: string } | undefined;

export function configureLicence(id: LicenceId | undefined): void {
  current = id ? { id, ...LICENCES[id] } : undefined;
}

export function dataLicence(): { id: LicenceId; name: string; url: string } | undefined {
  return current;
}

/** On an export's response: where its licence is (nothing when none is stated). */
export function linkLicence(res: Response): void {
  if (current) res.setHeader('Link', `<${current.url}>; rel="license"`);
}
