/**
 * One-time codes: "sending" them (into the inbox and the console, nothing leaves the machine), send rate
 * limits, and checking them with an attempt limit.
 */
import { randomInt } from 'node:crypto';
import { ApiError } from './errors.ts';
import { newId, type Challenge, type EmulatorState, type Identifier, type Verification } from './state.ts';

/** An OTP the emulator "sent". */
export interface OtpMessage {
  at: number;
  to: string;
  channel: 'sms' | 'email';
  code: string;
  purpose: 'login' | 'stepup';
  challengeId?: string;
  /** The step-up scope, for step-up codes. */
  scope?: string;
}

/** Limits, as the emulator enforces them. [GUESS] Prelude's real limits are not documented. */
export const OTP_LIMITS = {
  /** Sends (first send and retries) allowed per window, per login identifier or per challenge. */
  maxSends: 3,
  sendWindowMs: 30_000,
  /** Wrong codes before the verification (or challenge) is locked. */
  maxAttempts: 5,
  /** How long a login code is valid. */
  loginTtlMs: 10 * 60_000,
} as const;

/** Result of checking a code. */
export type CheckResult = 'ok' | 'wrong' | 'locked' | 'expired';

/** Sends and checks codes. */
export class OtpService {
  private readonly loginSends = new Map<string, number[]>();

  constructor(
    private readonly state: EmulatorState,
    private readonly inbox: OtpMessage[],
    private readonly now: () => number,
    private readonly fixedOtp: string | undefined,
    private readonly announce: (message: OtpMessage) => void,
  ) {}

  /** Forgets the login send history (admin reset). */
  reset(): void {
    this.loginSends.clear();
  }

  /** Starts a login verification for `identifier` and sends its code. */
  startLogin(identifier: Identifier): Verification {
    const key = `${identifier.type}:${identifier.value.toLowerCase()}`;
    const sends = this.loginSends.get(key) ?? [];
    this.enforceSendLimit(sends, `Too many codes sent to ${identifier.value}; retry in a few seconds`);
    this.loginSends.set(key, sends);
    const now = this.now();
    const verification: Verification = {
      id: newId('vrf'),
      purpose: 'login',
      identifier,
      channel: identifier.type === 'phone_number' ? 'sms' : 'email',
      code: this.newCode(),
      createdAt: now,
      expiresAt: now + OTP_LIMITS.loginTtlMs,
      attempts: 0,
      sends,
      state: 'pending',
    };
    this.state.verifications.set(verification.id, verification);
    this.deliver(verification);
    return verification;
  }

  /** Starts (or restarts) the OTP for a challenge's current step and sends its code. */
  startStepUp(
    challenge: Challenge,
    stepKey: string,
    identifier: Identifier,
    channel: 'sms' | 'email',
  ): Verification {
    this.enforceSendLimit(challenge.sends, 'Too many codes sent for this challenge; retry in a few seconds');
    // A new send replaces any code pending for the same step, like a real "send again".
    for (const v of this.state.verifications.values()) {
      if (v.challengeId === challenge.id && v.state === 'pending') v.state = 'locked';
    }
    const verification: Verification = {
      id: newId('vrf'),
      purpose: 'stepup',
      identifier,
      channel,
      code: this.newCode(),
      createdAt: this.now(),
      expiresAt: challenge.expiresAt,
      attempts: 0,
      sends: challenge.sends,
      state: 'pending',
      challengeId: challenge.id,
      stepKey,
    };
    this.state.verifications.set(verification.id, verification);
    this.deliver(verification, challenge.scope);
    return verification;
  }

  /** Sends a pending code again (same code), counting against the send limit. */
  resend(verification: Verification, scope?: string): void {
    this.enforceSendLimit(verification.sends, 'Too many codes sent; retry in a few seconds');
    this.deliver(verification, scope);
  }

  /** Checks `code` against a verification, counting wrong attempts and locking after too many. */
  check(verification: Verification, code: string): CheckResult {
    if (verification.state === 'locked') return 'locked';
    if (verification.state !== 'pending') return 'wrong';
    if (verification.expiresAt <= this.now()) return 'expired';
    if (verification.code === code) {
      verification.state = 'verified';
      return 'ok';
    }
    verification.attempts += 1;
    if (verification.attempts >= OTP_LIMITS.maxAttempts) {
      verification.state = 'locked';
      return 'locked';
    }
    return 'wrong';
  }

  private newCode(): string {
    return this.fixedOtp ?? String(randomInt(0, 1_000_000)).padStart(6, '0');
  }

  private enforceSendLimit(sends: number[], message: string): void {
    const now = this.now();
    const recent = sends.filter((at) => now - at < OTP_LIMITS.sendWindowMs);
    sends.splice(0, sends.length, ...recent);
    if (recent.length >= OTP_LIMITS.maxSends) {
      const oldest = recent[0] ?? now;
      const retryAfter = Math.max(1, Math.ceil((oldest + OTP_LIMITS.sendWindowMs - now) / 1000));
      throw new ApiError('rate_limited', message, { headers: { 'Retry-After': String(retryAfter) } });
    }
    sends.push(now);
  }

  private deliver(verification: Verification, scope?: string): void {
    const message: OtpMessage = {
      at: this.now(),
      to: verification.identifier.value,
      channel: verification.channel,
      code: verification.code,
      purpose: verification.purpose,
    };
    if (verification.challengeId !== undefined) message.challengeId = verification.challengeId;
    if (scope !== undefined) message.scope = scope;
    this.inbox.push(message);
    this.announce(message);
  }
}
