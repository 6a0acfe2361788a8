import { createServer, type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { closeApps, makeApp } from './app.js';

export interface Received {
  to: string[];
  text: string;
}

/** A real SMTP server on a free port (the smtp-server package): what the site sends arrives here. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export function startSmtp(port: number, received: Received[]): Promise<SMTPServer> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), text: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** The mail body decoded (quoted-printable, as nodemailer writes non-ASCII text). */
export function bodyOf(raw: string): string {
  const qp = raw.replace(/=\r?\n/g, '').replace(/(=[0-9A-F]{2})+/g, (m) => Buffer.from(m.split('=').slice(1).map((h) => parseInt(h, 16))).toString('utf8'));
  return qp;
}

/**
 * For a describe block: a real SMTP server on a free port for each test, an app that mails to it,
 * and the server taken down or brought back on the same port (a restart of the mail server).
 */
export function useSmtp() {
  let smtp: SMTPServer | undefined;
  let port = 0;
  const received: Received[] = [];
  const smtpDown = () => new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r())).then(() => void (smtp = undefined));
  const smtpUp = async () => void (smtp = await startSmtp(port, received));
  beforeEach(async () => {
    received.length = 0;
    port = await freePort();
    await smtpUp();
  });
  afterEach(async () => {
    await closeApps();
    await smtpDown();
  });
  return { received, smtpDown, smtpUp, mailApp: () => makeApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, PUBLIC_URL: 'http://tracker.example.org' }) };
}

