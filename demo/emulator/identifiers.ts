/**
 * Parsing identifiers and checking passwords against the compliancy rules.
 */
import { ApiError } from './errors.ts';
import type { Identifier } from './state.ts';

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

/** `GET /password/compliancy`: minimum counts per character class; `max_length: 0` would mean unbounded. */
export const PASSWORD_RULES = {
  min_length: 8,
  max_length: 128,
  uppercase: 0,
  lowercase: 0,
  numbers: 0,
  symbols: 0,
} as const;

/** Parses `{type, value}` into an identifier. Throws `bad_request` (shape) or `invalid_identifier` (value). */
export function parseIdentifier(value: unknown): Identifier {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError('bad_request', 'identifier must be an object {type, value}');
  }
  const { type, value: raw } = value as Record<string, unknown>;
  if (type !== 'phone_number' && type !== 'email_address') {
    throw new ApiError('bad_request', 'identifier.type must be phone_number or email_address');
  }
  if (typeof raw !== 'string') throw new ApiError('bad_request', 'identifier.value must be a string');
  const trimmed = raw.trim();
  if (type === 'phone_number' && !E164.test(trimmed)) {
    throw new ApiError('invalid_identifier', 'phone_number must be in E.164 format, e.g. +14155550100');
  }
  if (type === 'email_address' && !EMAIL.test(trimmed))
    throw new ApiError('invalid_identifier', 'Invalid email address');
  return { type, value: type === 'email_address' ? trimmed.toLowerCase() : trimmed };
}

/**
 * Parses the email of a password login / sign-up. The SDK's types say `identifier: string`, Prelude's docs
 * pass `{type: "email_address", value}`: both are accepted.
 */
export function parseEmailIdentifier(value: unknown): Identifier {
  if (typeof value === 'string') return parseIdentifier({ type: 'email_address', value });
  const identifier = parseIdentifier(value);
  if (identifier.type !== 'email_address')
    throw new ApiError('invalid_identifier', 'Password login needs an email address');
  return identifier;
}

/** Checks a new password against {@link PASSWORD_RULES}; throws `invalid_password`. */
export function checkPassword(password: unknown): string {
  if (typeof password !== 'string') throw new ApiError('bad_request', 'password must be a string');
  const length = [...password].length;
  if (length < PASSWORD_RULES.min_length) {
    throw new ApiError(
      'invalid_password',
      `Password must be at least ${PASSWORD_RULES.min_length} characters`,
    );
  }
  if (length > PASSWORD_RULES.max_length) {
    throw new ApiError(
      'invalid_password',
      `Password must be at most ${PASSWORD_RULES.max_length} characters`,
    );
  }
  return password;
}
