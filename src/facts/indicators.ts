import net from 'node:net';

export const INDICATOR_TYPES = ['domain', 'url', 'ipv4', 'ipv6', 'email', 'md5', 'sha1', 'sha256', 'process', 'app-id', 'file-name', 'file-path', 'configuration-profile', 'android-property'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/;
const EMAIL = /^[^\s@]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$/;

/** Normalises an indicator's value for its type, or returns undefined if it is not valid for it. */
export function normaliseIndicator(type: IndicatorType, raw: string): string | undefined {
  const value = raw.trim();
  if (!value || value.length > 2048) return undefined;
  switch (type) {
    case 'domain': {
      const d = value.toLowerCase().replace(/\.$/, '');
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
    case 'ipv4':
      return net.isIPv4(value) ? value : undefined;
    case 'ipv6':
      return net.isIPv6(value) ? value.toLowerCase() : undefined;
    case 'email':
      return EMAIL.test(value.toLowerCase()) ? value.toLowerCase() : undefined;
    case 'md5':
      return /^[0-9a-f]{32}$/i.test(value) ? value.toLowerCase() : undefined;
    case 'sha1':
      return /^[0-9a-f]{40}$/i.test(value) ? value.toLowerCase() : undefined;
    case 'sha256':
      return /^[0-9a-f]{64}$/i.test(value) ? value.toLowerCase() : undefined;
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
