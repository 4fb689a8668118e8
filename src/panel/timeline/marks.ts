/**
 * What each mark of the timeline is: its glyph, tone and label by the kind of event it stands for (never by
 * provider), the exchange and token it opens, and the width its label needs. Placed on the track by
 * `layout.ts`.
 */
import { eventName } from '../../core/model/events.ts';
import type {
  AccessTokenVersion,
  Challenge,
  ChallengeEvent,
  SessionModel,
  TokenLocation,
} from '../../core/model/types.ts';
import { providerModule } from '../../core/providers/registry.ts';
import type { MarkTerms } from '../../core/providers/types.ts';
import { estimateLabelWidth, GLYPH_PX, INSPECTOR_BADGE_PX, MARK_PAD_PX } from './geometry.ts';
import type { MarkRepeat } from './repeats.ts';

export type MarkTone = 'info' | 'ok' | 'error' | 'warn' | 'refused' | 'muted' | 'grant';

export interface TimelineMark {
  /** Unique in the layout: `<laneId>#<n>`. */
  id: string;
  laneId: string;
  /** The event's name (`eventName`: kind, and method where it has one), or `access_token`. */
  kind: string;
  glyph: string;
  label: string;
  /** Full text for the tooltip. */
  detail: string;
  tone: MarkTone;
  time: number;
  /** The exchange it opens (model index and id), or null for clock-driven marks. */
  exchangeIndex: number | null;
  exchangeId: string | null;
  /** The token the inspector focuses on when the mark opens. */
  token: { location: TokenLocation; nth: number } | null;
  /** Sent by the inspector (replay/retry), not by the page. */
  byInspector: boolean;
  /** Position of the glyph's centre (the event's time). */
  x: number;
  /** Left edge of the whole mark (glyph, label and a run's count) on the track. */
  left: number;
  width: number;
  /** Label drawn on the glyph's left, because the track ends before the label would. */
  flip: boolean;
  /** Glyph only (the label is in the tooltip), in order but off the time axis: the lane had too many marks. */
  compact: boolean;
  row: number;
  /** Access-token marks: the version and its scope change. */
  accessToken?: AccessTokenVersion;
  /** One of a run of identical marks (collapsed into this one, or unfolded). */
  repeat?: MarkRepeat;
}

interface MarkStyle {
  glyph: string;
  tone: MarkTone;
  label: string;
  token: TokenLocation | null;
}

/** The generic words of marks; a provider's presentation may name them its own way. */
const GENERIC_TERMS: MarkTerms = {
  sent: 'code',
  codeCheck: 'code',
  assertionCheck: 'verification',
  redeemed: 'exchanged for scope',
  redeemFailed: 'exchange for scope',
};

/** How each challenge event looks, in the words of `terms`. `code` is the error code of its exchange, when any. */
export function markStyle(
  event: Pick<ChallengeEvent, 'kind' | 'method'>,
  code: string | null,
  terms: Partial<MarkTerms> = {},
): MarkStyle {
  const t: MarkTerms = { ...GENERIC_TERMS, ...terms };
  const failed = (what: string) => (code ? `${what} ✗ ${code}` : `${what} ✗`);
  const byCode = event.method !== 'assertion';
  const check = byCode ? t.codeCheck : t.assertionCheck;
  // A typed code's outcome is read off the next challenge token (or the refused proof); any other factor's off
  // what was presented.
  const presented: TokenLocation = 'request.body.verification_token';
  const kind = event.kind;
  switch (kind) {
    case 'requested':
      return { glyph: '◆', tone: 'info', label: 'requested', token: 'response.body.challenge_token' };
    case 'request_failed':
      return { glyph: '✕', tone: 'error', label: failed('request'), token: null };
    case 'blocked':
      return { glyph: '⊗', tone: 'error', label: 'blocked', token: null };
    case 'factor_sent':
      return { glyph: '✉', tone: 'info', label: `${t.sent} sent`, token: 'request.body.challenge_token' };
    case 'factor_resent':
      return { glyph: '↻', tone: 'info', label: `${t.sent} resent`, token: null };
    case 'factor_send_failed':
      return { glyph: '✕', tone: 'error', label: failed(`${t.sent} send`), token: null };
    case 'factor_failed':
      return { glyph: '✕', tone: 'error', label: failed(check), token: byCode ? 'request.dpop' : presented };
    case 'factor_verified':
      return {
        glyph: '✓',
        tone: 'ok',
        label: `${check} ✓`,
        token: byCode ? 'response.body.challenge_token' : presented,
      };
    case 'factor_unknown':
      return { glyph: '?', tone: 'muted', label: `${check} ?`, token: byCode ? 'request.dpop' : presented };
    case 'step_completed':
      return { glyph: '●', tone: 'ok', label: 'step done', token: 'response.body.challenge_token' };
    case 'completed':
      return { glyph: '★', tone: 'ok', label: 'completed', token: 'response.body.challenge_token' };
    case 'redeemed':
      return { glyph: '⟳', tone: 'info', label: t.redeemed, token: 'request.body.step_up_token' };
    case 'redeem_failed':
      return {
        glyph: '✕',
        tone: 'error',
        label: failed(t.redeemFailed),
        token: 'request.body.step_up_token',
      };
    case 'granted':
      return { glyph: '⬢', tone: 'grant', label: 'scope granted', token: 'response.body.access_token' };
    case 'not_granted':
      return { glyph: '⬡', tone: 'error', label: 'scope missing', token: 'response.body.access_token' };
    case 'consumed':
      return { glyph: '⊘', tone: 'grant', label: 'consumed', token: 'request.authorization' };
    case 'grant_expired':
      return { glyph: '◷', tone: 'muted', label: 'grant expired', token: null };
    case 'refused':
      return { glyph: '⊗', tone: 'refused', label: failed('reuse refused'), token: 'request.authorization' };
    case 'expired':
      return { glyph: '◷', tone: 'warn', label: 'expired', token: null };
    default:
      return assertNever(kind);
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown mark kind ${String(value)}`);
}

/** The step a `step_completed` event finished, to name it in the label. */
function stepDoneAt(challenge: Challenge, exchange: number | null): string | undefined {
  if (exchange === null) return undefined;
  return challenge.steps.find((s) => s.doneAt === exchange)?.key;
}

/** A mark before it is placed on the track. */
export type RawMark = Omit<TimelineMark, 'x' | 'left' | 'flip' | 'row' | 'compact'>;

/** The marks of a challenge lane, one per event. */
export function challengeMarks(model: SessionModel, challenge: Challenge, laneId: string): RawMark[] {
  const terms = providerModule(challenge.provider)?.presentation?.terms;
  return challenge.events.map((event, n): RawMark => {
    const analyzed = event.exchange === null ? undefined : model.exchanges[event.exchange];
    const style = markStyle(event, analyzed?.errorCode ?? null, terms);
    let label = style.label;
    if (event.kind === 'step_completed') {
      const step = stepDoneAt(challenge, event.exchange);
      if (step) label = `${step} done`;
    }
    if (event.kind === 'granted' && challenge.scope) label = `${challenge.scope} granted`;
    const exchange = analyzed?.exchange;
    const byInspector = exchange?.initiator === 'inspector';
    const token =
      style.token && analyzed?.tokens.some((t) => t.location === style.token)
        ? { location: style.token, nth: 0 }
        : null;
    return {
      id: `${laneId}#${n}`,
      laneId,
      kind: eventName(event),
      glyph: style.glyph,
      label,
      detail: event.detail,
      tone: style.tone,
      time: event.time,
      exchangeIndex: event.exchange,
      exchangeId: exchange?.id ?? null,
      token,
      byInspector,
      width: GLYPH_PX + MARK_PAD_PX + estimateLabelWidth(label) + (byInspector ? INSPECTOR_BADGE_PX : 0),
    };
  });
}

/** Short text of an access-token version: where it came from and how its scopes changed. */
export function accessTokenLabel(version: AccessTokenVersion): string {
  const source =
    version.source === 'step_up_refresh'
      ? 'step-up refresh'
      : version.source === 'presented'
        ? 'presented'
        : version.source;
  const parts = [`AT${version.id + 1} ${source}`];
  if (version.diff) {
    for (const s of version.diff.added) parts.push(`+${s}`);
    for (const s of version.diff.removed) parts.push(`−${s}`);
    if (version.diff.added.length + version.diff.removed.length === 0) parts.push('no scope change');
  } else parts.push(version.scopes.length > 0 ? version.scopes.join(' ') : 'no scopes');
  return parts.join(' ');
}

/** The marks of an access-token lane, one per version of the token. */
export function accessMarks(model: SessionModel, lane: string, laneId: string): RawMark[] {
  return model.accessTokens
    .filter((v) => v.lane === lane)
    .map((version, n): RawMark => {
      const analyzed = model.exchanges[version.exchange];
      const label = accessTokenLabel(version);
      const location: TokenLocation =
        version.source === 'presented' ? 'request.authorization' : 'response.body.access_token';
      const diff = version.diff;
      const tone: MarkTone =
        diff && diff.added.length > 0 ? 'grant' : diff && diff.removed.length > 0 ? 'warn' : 'info';
      return {
        id: `${laneId}#${n}`,
        laneId,
        kind: 'access_token' as const,
        glyph: '▮',
        label,
        detail: `Access token ${version.id + 1} (${version.source}); scopes: ${version.scopes.join(' ') || '(none)'}`,
        tone,
        time: analyzed?.exchange.startedAt ?? 0,
        exchangeIndex: version.exchange,
        exchangeId: analyzed?.exchange.id ?? null,
        token: { location, nth: 0 },
        byInspector: analyzed?.exchange.initiator === 'inspector',
        // Scope chips add their own padding.
        width: GLYPH_PX + MARK_PAD_PX + estimateLabelWidth(label) + 8 * Math.max(1, version.scopes.length),
        accessToken: version,
      };
    });
}
