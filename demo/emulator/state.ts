/**
 * The emulator's in-memory world: users, sessions, refresh tokens, grants, step-up challenges and pending OTP
 * verifications. Everything is forgotten on `reset()` or exit. Handlers read and mutate it synchronously
 * between their `await`s, so two racing requests never both pass a single-use check.
 */
import { randomBytes } from 'node:crypto';
import type { GrantMode, IdentifierType, StepDefinition, StepUpStatus } from './config.ts';

/** A user identifier, as on the wire. */
export interface Identifier {
  type: IdentifierType;
  value: string;
}

/** A Prelude user. */
export interface User {
  id: string;
  identifiers: Identifier[];
  /** Plain text: this is a local emulator with demo accounts. */
  password?: string;
  createdAt: number;
  /** Grants with `profile-bound` mode live on the user, across sessions. */
  grants: Grant[];
}

/** A scope granted by a redeemed step-up challenge. */
export interface Grant {
  id: string;
  scope: string;
  mode: GrantMode;
  challengeId: string;
  grantedAt: number;
  expiresAt: number;
  /** Single-use grants: when and by which access token (`jti`) they were consumed. */
  consumedAt?: number;
  consumedByJti?: string;
}

/** A login session, bound to one DPoP key. */
export interface Session {
  id: string;
  userId: string;
  /** RFC 7638 thumbprint of the DPoP key used at login; every later session proof must use it. */
  jkt: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  revokedAt?: number;
  userAgent: string;
  grants: Grant[];
}

/** An opaque refresh token. Single-use: a successful `/refresh` rotates it. */
export interface RefreshTokenRecord {
  sessionId: string;
  expiresAt: number;
  status: 'active' | 'rotated' | 'revoked';
}

/** What the server remembers of an access token it minted: which grants its `scope` claim came from. */
export interface AccessTokenRecord {
  jti: string;
  sessionId: string;
  grantIds: string[];
  expiresAt: number;
}

/** A challenge step with its progress. */
export interface ChallengeStep extends StepDefinition {
  done: boolean;
}

/** A step-up challenge. Each transition issues a new challenge token (new `jti`); only the latest is valid. */
export interface Challenge {
  id: string;
  sessionId: string;
  userId: string;
  scope: string;
  status: Exclude<StepUpStatus, 'block'>;
  grantMode: GrantMode;
  grantedFor: number;
  metadata: Record<string, string>;
  steps: ChallengeStep[];
  /** The key of the first undone step, or `completed`. */
  currentStep: string;
  /** The `jti` of the only challenge token currently accepted. */
  currentJti: string;
  /** Server-side expiry of the current token (ms); admin and faults can pull it into the past. */
  expiresAt: number;
  state: 'pending' | 'completed' | 'redeemed' | 'locked';
  failedChecks: number;
  /** When `/otp` (or `/otp/retry`) sent a code for this challenge, for the send rate limit. */
  sends: number[];
  createdAt: number;
}

/** A pending one-time code, for a login or for a step-up challenge's current OTP step. */
export interface Verification {
  id: string;
  purpose: 'login' | 'stepup';
  identifier: Identifier;
  channel: 'sms' | 'email';
  code: string;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  sends: number[];
  state: 'pending' | 'verified' | 'locked';
  challengeId?: string;
  stepKey?: string;
}

/** A one-time login challenge token minted by password login / sign-up (or the native `/otp/check`). */
export interface LoginChallenge {
  id: string;
  jti: string;
  userId: string;
  expiresAt: number;
  used: boolean;
  codeChallenge?: string;
}

/** A random id with a readable prefix, e.g. `usr_3k9…`. The format is the emulator's own. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** A random opaque token (refresh tokens, nonces). */
export function newOpaque(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The demo's password-login user. */
export const SEEDED_USER = { email: 'ada@demo.test', password: 'correct horse battery staple' } as const;

/** The email the emulator gives every phone user, so they have both identifier types: `+14155550100` → `u14155550100@demo.test`. */
export function derivedEmail(phone: string): string {
  return `u${phone.replace(/\D/g, '')}@demo.test`;
}

/** All mutable state. */
export class EmulatorState {
  readonly users = new Map<string, User>();
  readonly sessions = new Map<string, Session>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly challenges = new Map<string, Challenge>();
  readonly verifications = new Map<string, Verification>();
  readonly loginChallenges = new Map<string, LoginChallenge>();
  /** `jti`s of verification tokens already accepted (reuse → `token_reused`). */
  readonly usedVerificationJtis = new Set<string>();

  constructor(private readonly now: () => number) {
    this.seed();
  }

  /** Forget everything and re-create the seeded user. */
  reset(): void {
    this.users.clear();
    this.sessions.clear();
    this.refreshTokens.clear();
    this.accessTokens.clear();
    this.challenges.clear();
    this.verifications.clear();
    this.loginChallenges.clear();
    this.usedVerificationJtis.clear();
    this.seed();
  }

  private seed(): void {
    this.createUser([{ type: 'email_address', value: SEEDED_USER.email }], SEEDED_USER.password);
  }

  /** Creates a user with the given identifiers. */
  createUser(identifiers: Identifier[], password?: string): User {
    const user: User = { id: newId('usr'), identifiers, createdAt: this.now(), grants: [] };
    if (password !== undefined) user.password = password;
    this.users.set(user.id, user);
    return user;
  }

  /** The user holding `identifier` (emails compared case-insensitively). */
  findUserByIdentifier(identifier: Identifier): User | undefined {
    const wanted = normaliseIdentifierValue(identifier);
    for (const user of this.users.values()) {
      if (user.identifiers.some((i) => i.type === identifier.type && normaliseIdentifierValue(i) === wanted))
        return user;
    }
    return undefined;
  }

  /**
   * The user for an OTP login, created on first login. A phone user also gets a derived email so the demo has
   * users with both identifier types (needed by `kyc:approve`).
   */
  findOrCreateOtpUser(identifier: Identifier): User {
    const existing = this.findUserByIdentifier(identifier);
    if (existing) return existing;
    const identifiers: Identifier[] = [identifier];
    if (identifier.type === 'phone_number') {
      const email: Identifier = { type: 'email_address', value: derivedEmail(identifier.value) };
      if (!this.findUserByIdentifier(email)) identifiers.push(email);
    }
    return this.createUser(identifiers);
  }

  /** A session that exists, is not revoked and has not expired. */
  activeSession(sessionId: string): Session | undefined {
    const session = this.sessions.get(sessionId);
    if (!session || session.revokedAt !== undefined || session.expiresAt <= this.now()) return undefined;
    return session;
  }

  /** Revokes a session and every refresh token issued for it. */
  revokeSession(session: Session): void {
    session.revokedAt ??= this.now();
    for (const record of this.refreshTokens.values()) {
      if (record.sessionId === session.id) record.status = 'revoked';
    }
  }

  /** Grants an access token minted now would carry: unconsumed, unexpired, session's and user's. */
  activeGrants(session: Session): Grant[] {
    const user = this.users.get(session.userId);
    const now = this.now();
    return [...session.grants, ...(user?.grants ?? [])].filter(
      (g) => g.consumedAt === undefined && g.expiresAt > now,
    );
  }

  /** Drops records that can no longer matter, so a long-running emulator stays small. */
  prune(): void {
    const now = this.now();
    for (const [jti, record] of this.accessTokens)
      if (record.expiresAt < now - 3_600_000) this.accessTokens.delete(jti);
    for (const [token, record] of this.refreshTokens)
      if (record.expiresAt < now) this.refreshTokens.delete(token);
    for (const [id, v] of this.verifications)
      if (v.expiresAt < now - 3_600_000) this.verifications.delete(id);
    for (const [id, c] of this.loginChallenges)
      if (c.expiresAt < now - 3_600_000) this.loginChallenges.delete(id);
  }
}

function normaliseIdentifierValue(identifier: Identifier): string {
  return identifier.type === 'email_address'
    ? identifier.value.trim().toLowerCase()
    : identifier.value.trim();
}
