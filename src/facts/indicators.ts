import net from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

export const INDICATOR_TYPES = ['domain', 'url', 'ipv4', 'ipv6', 'email', 'md5', 'sha1', 'sha256', 'process', 'app-id', 'file-name', 'file-path', 'configuration-profile', 'android-property', 'app-cert-sha256', 'app-cert-md5'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/;
const EMAIL = /^[^\s@]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/;

/** Normalises an indicator's value for its type, or returns undefined if it is not valid for it. */
export function normaliseIndicator(type: IndicatorType, raw: string): string | undefined {
  const value = raw.trim();
  if (!value || value.length > 2048) return undefined;
  switch (type) {
    case 'domain': {
      // A Unicode (IDN) domain is kept as its punycode, the form DNS and logs carry; pages show both.
      const d = (/[\u0080-\uffff]/.test(value) ? domainToASCII(value.replace(/\.$/, '')) : value).toLowerCase().replace(/\.$/, '');
      return DOMAIN.test(d) ? d : undefined;
    }
    case 'url': {
      try {
        const u = new URL(value);
        return ['http:', 'https:', 'ftp:'].includes(u.protocol) && u.hostname ? value : undefined;
      } catch {
        return undefined;
      }
    }
    // An address or a CIDR range (STIX ipv4-addr/ipv6-addr values may be either).
    case 'ipv4':
      return withPrefix(value, 32, (a) => net.isIPv4(a));
    case 'ipv6': {
      const v = withPrefix(value, 128, (a) => net.isIPv6(a));
      return v?.toLowerCase();
    }
    case 'email':
      return EMAIL.test(value.toLowerCase()) ? value.toLowerCase() : undefined;
    case 'md5':
      return /^[0-9a-f]{32}$/i.test(value) ? value.toLowerCase() : undefined;
    case 'sha1':
      return /^[0-9a-f]{40}$/i.test(value) ? value.toLowerCase() : undefined;
    case 'sha256':
    case 'app-cert-sha256':
      return /^[0-9a-f]{64}$/i.test(value) ? value.toLowerCase() : undefined;
    case 'app-cert-md5':
      return /^[0-9a-f]{32}$/i.test(value) ? value.toLowerCase() : undefined;
    case 'process':
      return /^[^\p{Cc}/\\]{1,255}$/u.test(value) ? value : undefined;
    case 'app-id':
      return /^[A-Za-z0-9_]+(\.[A-Za-z0-9_-]+)+$/.test(value) && value.length <= 255 ? value : undefined;
    case 'file-name':
      return /^[^\p{Cc}/\\]{1,255}$/u.test(value) ? value : undefined;
    case 'file-path':
    case 'configuration-profile':
    case 'android-property':
      return /^[^\p{Cc}]{1,1024}$/u.test(value) ? value : undefined;
  }
}

/** `address` or `address/prefix` with a prefix within 0..max. */
function withPrefix(value: string, max: number, isAddress: (a: string) => boolean): string | undefined {
  const [address, prefix, ...rest] = value.split('/');
  if (rest.length || !address || !isAddress(address)) return undefined;
  if (prefix === undefined) return value;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= max ? `${address}/${Number(prefix)}` : undefined;
}

/** How a stored domain reads: its Unicode form after the punycode when it is an IDN ("xn--…  (пример.рф)"). */
export function displayIndicator(type: string, value: string): string {
  if (type !== 'domain' || !/(^|\.)xn--/.test(value)) return value;
  const unicode = domainToUnicode(value);
  return unicode && unicode !== value ? `${value} (${unicode})` : value;
}
