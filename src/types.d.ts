import type { TFunction } from 'i18next';
import type { Flash } from './http/flash.js';
import type { Role } from './config.js';
import type { UploadedFile } from './http/upload.js';

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
    interface Request {
      /** Files of a multipart form, read by http/upload.ts (within its limits). */
      files?: UploadedFile[];
      /** The request's language and a translator fixed to it (i18n/index.ts i18nMiddleware). */
      language: string;
      t: TFunction;
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
    /** When this session last proved the password (a password change here sets it). */
    credentialsAt?: number;
    /** Shown once after TOTP enrolment. */
    recoveryCodes?: string[];
    /** A TOTP secret being set up, until a code from it is confirmed. */
    pendingTotpSecret?: string;
  }
}

export {};
