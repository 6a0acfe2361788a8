import { spawnSync } from 'node:child_process';
import { generate } from 'otplib';

/**
 * A minimal browser against a real `npm start` process (soak, mixed load, crash accounting): one
 * cookie jar, forms sent as a browser sends them (same-origin, CSRF token from the page). `base`
 * is read on every request, so a client follows a server restarted on another port.
 */
export class LiveClient {
  private cookies = new Map<string, string>();
  constructor(private readonly base: () => string) {}

  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      this.cookies.set(k!, v ?? '');
    }
  }

  /** The cookies held, as a `Cookie` header (a load generator sends them as this client). */
  cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private headers(): Record<string, string> {
    return { cookie: this.cookie(), origin: this.base(), 'sec-fetch-site': 'same-origin' };
  }

  async request(method: string, url: string, form?: Record<string, string>): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(`${this.base()}${url}`, {
      method,
      redirect: 'manual',
      headers: { ...this.headers(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    this.remember(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  /** A multipart form with files (the CSRF token goes in the URL, as the site's multipart forms do). */
  async upload(url: string, token: string, fields: Record<string, string>, files: { name: string; data: Buffer }[]): Promise<{ status: number; text: string; location: string | null }> {
    const body = new FormData();
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    for (const f of files) body.append('files', new Blob([f.data]), f.name);
    const res = await fetch(`${this.base()}${url}${url.includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(token)}`, { method: 'POST', redirect: 'manual', headers: this.headers(), body });
    this.remember(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  async csrf(url: string): Promise<string> {
    const page = await this.request('GET', url);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? /_csrf=([^"&]+)/.exec(page.text)?.[1];
    if (!token) throw new Error(`no CSRF token on ${url} (${page.status})`);
    return decodeURIComponent(token);
  }
}

export interface LiveUser {
  id: string;
  role: string;
  email: string;
  password: string;
  totpSecret?: string;
  client: LiveClient;
}

/** An active account made by `npm run cli -- user:add` against the running app's engine (same DATA_DIR). */
export function addLiveUser(env: NodeJS.ProcessEnv, base: () => string, role: string, email: string, password: string): LiveUser {
  const out = spawnSync('node', ['--import', 'tsx', 'src/cli.ts', 'user:add', '--email', email, '--name', email.split('@')[0]!, '--role', role], { env: { ...env, CLI_PASSWORD: password }, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`user:add failed: ${out.stderr}`);
  const printed = JSON.parse(out.stdout.trim().split('\n').pop()!) as { id: string; totpSecret: string | null };
  return { id: printed.id, role, email, password, totpSecret: printed.totpSecret ?? undefined, client: new LiveClient(base) };
}

/** Signs in through the real forms (password, then TOTP for staff). */
export async function signInLive(u: LiveUser): Promise<void> {
  const res = await u.client.request('POST', '/login', { _csrf: await u.client.csrf('/login'), email: u.email, password: u.password });
  if (res.location === '/login/totp') {
    const r2 = await u.client.request('POST', '/login/totp', { _csrf: await u.client.csrf('/login/totp'), code: await generate({ secret: u.totpSecret! }) });
    if (r2.status !== 302) throw new Error(`TOTP step for ${u.email}: ${r2.status}`);
  } else if (res.status !== 302) throw new Error(`login for ${u.email}: ${res.status}`);
}
