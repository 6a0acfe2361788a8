import type { UserDocument } from './model.js';

export interface UserView {
  id: string;
  email: string;
  name: string;
  organisation: string;
  roles: string[];
  status: string;
  totpEnabled: boolean;
  createdAt: Date | undefined;
  lastLoginAt: Date | undefined;
}

export function presentUser(user: UserDocument): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    organisation: user.organisation ?? '',
    roles: [...user.roles],
    status: user.status,
    totpEnabled: Boolean(user.totp?.enabledAt),
    createdAt: (user as unknown as { createdAt?: Date }).createdAt,
    lastLoginAt: user.lastLoginAt ?? undefined,
  };
}

/** What a request carries around as req.user: enough to authorize, nothing secret. */
export function toSessionUser(user: UserDocument): Express.User {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: [...user.roles] as Express.User['roles'],
    status: user.status,
    totpEnabled: Boolean(user.totp?.enabledAt),
  };
}
