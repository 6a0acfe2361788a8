import type { Agent } from './app.js';
import { csrfFrom } from './app.js';

/** A valid report form body, as the browser posts it (urlencoded, nested rows). Override per test. */
export function reportForm(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Journalist phone infected after SMS link',
    narrative: 'A journalist received an SMS with a link in July 2021; forensic analysis found traces.',
    'dates[from]': '2021-07',
    'dates[to]': '',
    country: 'MA',
    'targets[0][category]': 'journalist',
    'targets[0][pseudonym]': 'Journalist A',
    'targets[0][identity]': 'CANARY-IDENTITY-Jane Doe',
    'targets[0][contact]': 'canary-contact@example.org',
    'targets[0][consent]': 'no',
    vectorKind: 'one-click',
    vectorDetail: 'SMS with a shortened link',
    'sources[0][kind]': 'forensic-report',
    'sources[0][url]': 'https://example.org/forensic-report',
    'sources[0][title]': 'Forensic report',
    'sources[0][publisher]': 'A Lab',
    'sources[0][date]': '2021-07-18',
    'indicators[0][type]': 'domain',
    'indicators[0][value]': 'Free247Downloads.com',
    contact: 'CANARY-SUBMITTER-signal:+100000',
    ...overrides,
  };
}

export function encodeForm(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item as string));
    else if (typeof v === 'string') params.append(k, v);
  }
  return params.toString();
}

type Res = Awaited<ReturnType<Agent['get']>>;

/**
 * An anonymous submission answers 303 to its receipt page (Post/Redirect/Get): follow it as a
 * browser would, so the response holds the receipt. Any other answer is returned as it came.
 */
export async function followToReceipt(a: Agent, res: Res): Promise<Res> {
  const to = String(res.headers.location ?? '');
  return res.status === 303 && to.startsWith('/reports/receipt/') ? a.get(to) : res;
}

export async function postReport(a: Agent, fields: Record<string, unknown> = reportForm()) {
  const token = await csrfFrom(a, '/reports/new');
  return followToReceipt(a, await a.post('/reports').type('form').send(encodeForm({ _csrf: token, ...fields })));
}

/** The report form as a browser sends it with files: multipart, the CSRF token in the action URL. */
export async function postReportMultipart(a: Agent, fields: Record<string, unknown> = reportForm(), files: { name: string; data: Buffer }[] = []) {
  const token = await csrfFrom(a, '/reports/new');
  let req = a.post(`/reports?_csrf=${encodeURIComponent(token)}`).set('Sec-Fetch-Site', 'same-origin');
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') req = req.field(k, v);
  for (const f of files) req = req.attach('files', f.data, f.name);
  return followToReceipt(a, await req);
}
