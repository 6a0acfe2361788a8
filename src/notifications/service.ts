import i18next from 'i18next';
import mongoose from 'mongoose';
import nodemailer, { type Transporter } from 'nodemailer';
import { User } from '../auth/model.js';
import type { Role } from '../config.js';
import { claimAct } from '../db/claims.js';
import { HeldReads } from '../db/held.js';
import { repeat } from '../periodic.js';
import { open, seal, type Sealed } from '../vault/index.js';
import { MailJob, Notification, type NotifyKind } from './model.js';

/** Which notices each role can receive (and choose to get by e-mail). */
export const KINDS_FOR: Record<Role, readonly NotifyKind[]> = {
  researcher: ['report.triaged', 'report.needs-info', 'report.linked', 'report.published', 'report.rejected'],
  policymaker: ['report.triaged', 'report.needs-info', 'report.linked', 'report.published', 'report.rejected', 'watch.news'],
  reviewer: ['report.triaged', 'report.needs-info', 'report.linked', 'report.published', 'report.rejected', 'report.new', 'report.answered', 'report.assigned', 'incident.awaiting-approval', 'watch.news'],
  admin: ['report.triaged', 'report.needs-info', 'report.linked', 'report.published', 'report.rejected', 'account.pending', 'watch.news'],
};

export function kindsFor(roles: readonly Role[]): NotifyKind[] {
  return [...new Set(roles.flatMap((r) => KINDS_FOR[r]))];
}

interface MailSettings {
  transport?: Transporter;
  from: string;
  baseUrl: string;
}
let mail: MailSettings = { from: '', baseUrl: '' };

/** Once, from configuration: no SMTP_URL, no mail (notices stay in the in-app inbox). */
export function configureMail(config: { SMTP_URL?: string; MAIL_FROM?: string; PUBLIC_URL?: string; HOST: string; PORT: number }): void {
  mail = {
    ...(config.SMTP_URL ? { transport: nodemailer.createTransport(config.SMTP_URL) } : {}),
    from: config.MAIL_FROM ?? 'Surveillance Misuse Tracker <no-reply@localhost>',
    baseUrl: config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`,
  };
}

export function mailEnabled(): boolean {
  return Boolean(mail.transport);
}

const oid = (id: string) => new mongoose.Types.ObjectId(id);

/**
 * In-app notices for these accounts (active ones, and each only for kinds its roles may receive),
 * and mail for those who did not turn that kind off. One insert of each kind for all of them.
 */
export async function notify(userIds: readonly string[], kind: NotifyKind, ref: string, except?: string): Promise<number> {
  const ids = [...new Set(userIds)].filter((id) => id !== except && mongoose.isValidObjectId(id));
  if (!ids.length) return 0;
  const users = await User.find({ _id: mongoose.trusted({ $in: ids.map(oid) }) } as never, { roles: 1, status: 1, emailOff: 1 }).lean();
  const to = users.filter((u) => u.status === 'active' && kindsFor(u.roles).includes(kind));
  if (!to.length) return 0;
  const now = new Date();
  await Notification.insertMany(to.map((u) => ({ user: u._id, kind, ref, at: now })));
  for (const u of to) unreadChanged(String(u._id));
  const mailed = mailEnabled() ? to.filter((u) => !(u.emailOff ?? []).includes(kind)) : [];
  if (mailed.length) await MailJob.insertMany(mailed.map((u) => ({ user: u._id, kind, ref, nextAttemptAt: now })));
  return to.length;
}

/** Everyone active holding a role (the users collection is small: staff and registered researchers). */
export async function notifyRole(role: Role, kind: NotifyKind, ref: string, except?: string): Promise<number> {
  const holders = await User.find({ roles: role, status: 'active' }, { _id: 1 }).lean();
  return notify(holders.map((u) => String(u._id)), kind, ref, except);
}

/** A mail that is not a notice: a password-reset link, sealed while it waits. */
export async function queueSecretMail(userId: string, kind: 'password.reset', secret: string): Promise<void> {
  await MailJob.create({ user: oid(userId), kind, secret: seal(secret), nextAttemptAt: new Date() });
}

/** Where a notice leads. */
export function linkOf(kind: string, ref: string, secret = ''): string {
  if (kind === 'password.reset') return `/password/reset/${secret}`;
  if (kind === 'account.pending') return '/admin/users?status=pending';
  if (kind === 'watch.news') return '/watching';
  if (kind === 'incident.awaiting-approval') return `/incidents/${ref}`;
  return `/reports/${ref}`;
}

/** The mail: English, then Arabic; a reference, what happened and a link, nothing else. */
export function composeMail(kind: string, ref: string, secret = ''): { subject: string; text: string } {
  const en = i18next.getFixedT('en');
  const ar = i18next.getFixedT('ar');
  const url = `${mail.baseUrl}${linkOf(kind, ref, secret)}`;
  const body = (t: typeof en) => `${t(`notify.mail.${kind}`, { ref })}\n${url}\n\n${t('notify.mail.footer')}`;
  return { subject: `${en(`notify.subject.${kind}`, { ref })} · ${ar(`notify.subject.${kind}`, { ref })}`, text: `${body(en)}\n\n———\n\n${body(ar)}\n` };
}

const MAX_ATTEMPTS = 8;

/**
 * Sends what is due, oldest first. Each attempt of each job is claimed (db/claims.ts), so two
 * processes never send the same mail; a claim whose process died is taken over after two minutes.
 * A refused mail waits 1, 2, 4 … minutes; after 8 attempts it is kept as failed (shown to admins).
 */
export async function sendPendingMail(now = new Date()): Promise<{ sent: number; retried: number; failed: number }> {
  const result = { sent: 0, retried: 0, failed: 0 };
  if (!mail.transport) return result;
  const due = await MailJob.find({ failed: false, nextAttemptAt: mongoose.trusted({ $lte: now }) } as never).sort({ nextAttemptAt: 1 }).limit(50).lean();
  for (const job of due) {
    const won = await claimAct(`mail:${String(job._id)}:${job.attempts}`, 'mailer', async () => (await MailJob.findById(job._id, { attempts: 1 }).lean())?.attempts !== job.attempts);
    if (!won) continue;
    const user = await User.findById(job.user, { email: 1, status: 1 }).lean();
    if (!user || user.status !== 'active') {
      await MailJob.deleteOne({ _id: job._id });
      continue;
    }
    const secret = job.secret?.ct ? open(job.secret as Sealed) : '';
    try {
      await mail.transport.sendMail({ from: mail.from, to: user.email, ...composeMail(job.kind, job.ref, secret) });
      await MailJob.deleteOne({ _id: job._id });
      result.sent++;
    } catch (err) {
      const attempts = job.attempts + 1;
      // The server's answer, without the address: nothing personal is kept or logged.
      const reason = String((err as { code?: string }).code ?? (err as Error).message ?? 'error').slice(0, 200).replaceAll(user.email, '<address>');
      await MailJob.updateOne({ _id: job._id }, { $set: { attempts, lastError: reason, nextAttemptAt: new Date(now.getTime() + 60_000 * 2 ** (attempts - 1)), failed: attempts >= MAX_ATTEMPTS } });
      if (attempts >= MAX_ATTEMPTS) result.failed++;
      else result.retried++;
    }
  }
  return result;
}

let sender: ReturnType<typeof repeat> | undefined;

/** The server's sender: every `intervalMs`, what is due (one run at a time). */
export function startMailer(intervalMs = 10_000, onError?: (err: unknown) => void): void {
  if (sender || !mail.transport) return;
  sender = repeat(() => sendPendingMail(), intervalMs, onError);
}

export async function stopMailer(): Promise<void> {
  await sender?.stop();
  sender = undefined;
}

/**
 * The navigation badge's count, per account, kept here: counting is a scan of every notice on the
 * embedded engine, on every signed-in page. Dropped when this process gives the account a notice or
 * marks its notices read (a count read meanwhile is not kept); a notice another process gave (a
 * shared MONGODB_URI, the CLI) shows within 30 s (db/held.ts). Only a badge: the inbox itself is read.
 */
const unread = new HeldReads<number>(30_000);

function unreadChanged(userId: string): void {
  unread.changed(userId);
}

export async function unreadCount(userId: string): Promise<number> {
  return unread.get(userId, () => Notification.countDocuments({ user: oid(userId), readAt: null }));
}

/** Tests empty the database between cases. */
export function forgetUnreadCounts(): void {
  unread.changedAll();
}

export async function inbox(userId: string) {
  return Notification.find({ user: oid(userId) }).sort({ at: -1 }).limit(200).lean();
}

export async function markAllRead(userId: string): Promise<void> {
  unreadChanged(userId);
  await Notification.updateMany({ user: oid(userId), readAt: null }, { $set: { readAt: new Date() } });
  unreadChanged(userId);
}
