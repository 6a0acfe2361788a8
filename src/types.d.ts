import type { Flash } from './http/flash.js';
import type { Role } from './config.js';

declare global {
  namespace Express {
    interface User {
      id: string;
      email: string;
      name: string;
      roles: Role[];
      status: 'pending' | 'active' | 'disabled';
      totpEnabled: boolean;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    flash?: Flash[];
    returnTo?: string;
    /** Set once the second factor was checked at this login (or just enrolled). */
    totpVerified?: boolean;
    /** Between a correct password and a correct TOTP code. */
    pendingLogin?: { userId: string; at: number };
    /** When the login happened: the absolute session lifetime counts from here. */
    loginAt?: number;
    /** Shown once after TOTP enrolment. */
    recoveryCodes?: string[];
    /** A TOTP secret being set up, until a code from it is confirmed. */
    pendingTotpSecret?: string;
    /** Times of this session's anonymous submissions in the last hour (a per-session cap). */
    anonymousSubmissions?: number[];
  }
}

export {};
