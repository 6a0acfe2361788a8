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
  | 'reference.manage'
  | 'reports.own'
  | 'reports.review'
  | 'identity.reveal'
  | 'incidents.edit'
  | 'incidents.verify'
  | 'incidents.retract'
  | 'incidents.viewUnpublished'
  | 'indicators.import'
  | 'dossiers.build'
  | 'dossiers.viewAll'
  | 'api.tokens'
  | 'listings.watch';

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
  'reference.manage': (a) => isStaff(a),
  // Any active account may submit and follow its own reports.
  'reports.own': () => true,
  'reports.review': (a) => isStaff(a),
  'identity.reveal': (a) => isStaff(a),
  'incidents.edit': (a) => isStaff(a),
  // The two-person rule counts reviewers: an administrator without the reviewer role cannot verify.
  'incidents.verify': (a) => a.roles.includes('reviewer'),
  'incidents.retract': (a) => isStaff(a),
  'incidents.viewUnpublished': (a) => isStaff(a),
  'indicators.import': (a) => isStaff(a),
  // Dossiers (public or official audience) are for the people who act on the evidence, and staff.
  'dossiers.build': (a) => a.roles.includes('policymaker') || isStaff(a),
  // Staff see every dossier generated; a policymaker sees the ones they generated.
  'dossiers.viewAll': (a) => isStaff(a),
  'api.tokens': (a) => a.roles.includes('policymaker') || isStaff(a),
  // Following vendors, regimes and the candidates list: the people who act on listings, and staff.
  'listings.watch': (a) => a.roles.includes('policymaker') || isStaff(a),
};

function isStaff(a: Actor): boolean {
  return a.roles.includes('reviewer') || a.roles.includes('admin');
}

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
    review: allowed('reports.review'),
    ownReports: allowed('reports.own'),
    revealIdentity: allowed('identity.reveal'),
    editIncidents: allowed('incidents.edit'),
    verifyIncidents: allowed('incidents.verify'),
    retractIncidents: allowed('incidents.retract'),
    viewUnpublished: allowed('incidents.viewUnpublished'),
    importIndicators: allowed('indicators.import'),
    buildDossiers: allowed('dossiers.build'),
    apiTokens: allowed('api.tokens'),
    watch: allowed('listings.watch'),
  };
}
