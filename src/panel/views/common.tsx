/** Small pieces every view uses: times with their raw value on hover, countdowns, scope chips, badges. */
import type { ComponentChildren } from 'preact';
import type { ScopeDiff } from '../../core/tokens/scopes.ts';
import {
  EXPIRING_THRESHOLD_MS,
  expiryState,
  formatClockTime,
  formatDuration,
  formatEpochSeconds,
  formatIsoTime,
  formatRelative,
  isDateMs,
} from '../../core/tokens/time.ts';

/** `14:03:20.123` (UTC, like token times), the full ISO time and epoch ms on hover. */
export function clockTime(ms: number): string {
  return formatClockTime(ms);
}

export function ClockTime({ ms }: { ms: number }) {
  const iso = formatIsoTime(ms);
  return (
    <time class="clock" dateTime={isDateMs(ms) ? iso : undefined} title={`${iso} · ${ms} ms since epoch`}>
      {clockTime(ms)}
    </time>
  );
}

/** A JWT time claim: human UTC time plus how far it is from now; the raw claim on hover. */
export function ClaimTime({ name, sec, now }: { name: string; sec: number; now: number }) {
  return (
    <span class="claim-time" title={`${name}: ${sec}`}>
      {formatEpochSeconds(sec)} <span class="muted">({formatRelative(sec * 1000, now)})</span>
    </span>
  );
}

/** Where a token stands against its exp, as a small coloured badge. */
export function ExpiryBadge({ exp, now }: { exp: number | undefined; now: number }) {
  const state = expiryState(exp, now);
  if (state === 'none') return <span class="badge badge-muted">no exp</span>;
  const left = (exp as number) * 1000 - now;
  const text =
    state === 'expired' ? `expired ${formatDuration(-left)} ago` : `expires in ${formatDuration(left)}`;
  return (
    <span class={`badge expiry-${state}`} title={`exp: ${exp} (${formatEpochSeconds(exp as number)})`}>
      {text}
    </span>
  );
}

/** A live countdown to `at` (epoch ms): `verify_sms 4m 12s`, turning amber under a minute and red at zero. */
export function Countdown({
  label,
  at,
  now,
  source,
}: {
  label: string;
  at: number;
  now: number;
  source: string;
}) {
  const left = at - now;
  const state = left <= 0 ? 'expired' : left < EXPIRING_THRESHOLD_MS ? 'expiring' : 'valid';
  return (
    <span
      class={`countdown expiry-${state}`}
      title={`${label} ${left <= 0 ? 'ended' : 'ends'} at ${formatIsoTime(at)} (${source})`}
      data-testid="countdown"
    >
      <span class="countdown-label">{label}</span>{' '}
      {left <= 0 ? `ended ${formatDuration(-left)} ago` : formatDuration(left)}
    </span>
  );
}

/** Scopes as chips; with a diff, added ones in green with `+`, removed ones struck through in red. */
export function ScopeChips({ scopes, diff }: { scopes: readonly string[]; diff?: ScopeDiff | null }) {
  if (scopes.length === 0 && (!diff || diff.removed.length === 0))
    return <span class="muted">no scopes</span>;
  const added = new Set(diff?.added ?? []);
  return (
    <span class="chips">
      {scopes.map((s) => (
        <span
          key={s}
          class={`chip ${added.has(s) ? 'chip-added' : ''}`}
          title={added.has(s) ? 'added by this token' : 'scope'}
        >
          {added.has(s) ? `+${s}` : s}
        </span>
      ))}
      {(diff?.removed ?? []).map((s) => (
        <span key={`-${s}`} class="chip chip-removed" title="gone since the previous access token">
          −{s}
        </span>
      ))}
    </span>
  );
}

export function Badge({
  tone,
  children,
  title,
}: {
  tone: string;
  children: ComponentChildren;
  title?: string;
}) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

/** A button that cannot run says why, both as a tooltip and as visible text next to it. */
export function ActionButton({
  label,
  availability,
  onClick,
  busy,
  testId,
  title,
  showReason = true,
}: {
  label: string;
  availability: { enabled: true } | { enabled: false; reason: string };
  onClick: () => void;
  busy?: boolean;
  testId?: string;
  title?: string;
  /** False when a shared reason is shown elsewhere (two buttons disabled for one cause). */
  showReason?: boolean;
}) {
  const disabled = !availability.enabled || busy === true;
  const reason = availability.enabled ? undefined : availability.reason;
  return (
    <span class="action">
      <button
        type="button"
        class="btn"
        disabled={disabled}
        title={reason ?? title}
        onClick={onClick}
        data-testid={testId}
        aria-describedby={reason && showReason && testId ? `${testId}-reason` : undefined}
      >
        {busy ? `${label}…` : label}
      </button>
      {reason && showReason ? (
        <span class="action-reason" id={testId ? `${testId}-reason` : undefined}>
          {reason}
        </span>
      ) : null}
    </span>
  );
}

/** Pretty JSON for a claim value or a body; strings stay as they are. */
export function prettyValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 1)?.replace(/\n\s*/g, ' ') ?? String(value);
  } catch {
    return String(value);
  }
}

/** CSS class of an action result's tone (shared by the detail pane and the challenge lanes). */
export const TONE_CLASS = { good: 'ok', warning: 'warn', bad: 'error', neutral: 'info' } as const;
