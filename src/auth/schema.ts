import { z } from 'zod';
import { ROLES } from '../config.js';
import { formObject, requiredText, text } from '../http/validate.js';
import { PASSWORD_MAX } from './password.js';

export const emailField = z
  .string()
  .trim()
  .max(254, 'validation.tooLong')
  .transform((s) => s.normalize('NFC').toLowerCase())
  .pipe(z.email('validation.email'));

// Passwords are taken exactly as typed (no trimming); policy checks happen in the command.
const passwordField = z.string().min(1, 'validation.required').max(PASSWORD_MAX * 4, 'validation.passwordTooLong');

export const loginSchema = formObject({
  email: z.string().max(254, 'validation.tooLong'),
  password: z.string().max(PASSWORD_MAX * 4, 'validation.passwordTooLong'),
});
export type LoginInput = z.infer<typeof loginSchema>;

export const totpLoginSchema = formObject({ code: z.string().trim().min(1, 'validation.required').max(40) });

export const registerSchema = formObject({
  email: emailField,
  name: requiredText(120),
  organisation: text(160).default(''),
  password: passwordField,
});
export type RegisterInput = z.infer<typeof registerSchema>;

export const passwordChangeSchema = formObject({
  currentPassword: passwordField,
  newPassword: passwordField,
});

export const totpConfirmSchema = formObject({ code: z.string().trim().regex(/^\d{6}$/, 'validation.totpCode') });
export const totpDisableSchema = formObject({ currentPassword: passwordField });

export const rolesSchema = formObject({
  roles: z
    .union([z.enum(ROLES), z.array(z.enum(ROLES))])
    .optional()
    .transform((r) => (r === undefined ? [] : Array.isArray(r) ? [...new Set(r)] : [r])),
});

export const emptyForm = formObject({});

export const forgotSchema = formObject({ email: emailField });
export const resetSchema = formObject({ password: passwordField });
