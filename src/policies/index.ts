import type { Role } from '../config.js';

/**
 * The one place that decides who may do what. Deny by default: an action no rule names is refused.
 * Routes call authorize(action); views get `can` flags from presenters and never decide themselves.
 */
export type Action =
  | 'account.manage'
  | 'admin.users.list'
  | 'admin.users.manage'
  | 'admin.audit.read'
  | 'reference.manage';

export interface Actor {
  id: string;
  roles: readonly Role[];
  status: string;
}

const rules: Record<Action, (actor: Actor) => boolean> = {
  'account.manage': () => true,
  'admin.users.list': (a) => a.roles.includes('admin'),
  'admin.users.manage': (a) => a.roles.includes('admin'),
  'admin.audit.read': (a) => a.roles.includes('admin'),
  'reference.manage': (a) => a.roles.includes('reviewer') || a.roles.includes('admin'),
};

export function can(actor: Actor | undefined, action: Action): boolean {
  if (!actor || actor.status !== 'active') return false;
  const rule = rules[action] as ((actor: Actor) => boolean) | undefined;
  return rule ? rule(actor) : false;
}

let totpRoles: readonly Role[] = ['reviewer', 'admin'];

/** Set once from configuration (REQUIRE_TOTP_ROLES). */
export function configureTotpRoles(roles: readonly Role[]): void {
  totpRoles = roles;
}

export function requiresTotp(actor: { roles: readonly Role[] }): boolean {
  return actor.roles.some((role) => totpRoles.includes(role));
}

/** Navigation and page flags for the signed-in user. */
export function abilities(actor: Actor | undefined, totpVerified: boolean): Record<string, boolean> {
  const complete = actor ? !requiresTotp(actor) || totpVerified : false;
  const allowed = (action: Action): boolean => complete && can(actor, action);
  return {
    manageUsers: allowed('admin.users.list'),
    readAudit: allowed('admin.audit.read'),
    manageReference: allowed('reference.manage'),
  };
}
