/**
 * One lane of the timeline: a challenge (scope, status, steps, countdowns, OTP actions) or a session's access
 * tokens (versions with their scope chips and diff), above a track of marks placed by `timeline/layout.ts`.
 * What a lane shows of its provider comes from the provider's module in the registry: its presentation, and
 * whether it has OTP actions at all (whether they can run now is the core rules' answer).
 */
import type { Challenge, SessionModel } from '../../core/model/types.ts';
import { apiBaseOf } from '../../core/actions/rules.ts';
import { providerModule } from '../../core/providers/registry.ts';
import { formatDuration, formatIsoTime } from '../../core/tokens/time.ts';
import { useCommands, useRules, useStore } from '../hooks.ts';
import { challengeDeadlines, grantOf, latestAccessToken } from '../store/lane-facts.ts';
import { selectCanAct } from '../store/selectors.ts';
import { countButtonWidth, type TimeScale } from '../timeline/geometry.ts';
import type { TimelineLane } from '../timeline/layout.ts';
import type { TimelineMark } from '../timeline/marks.ts';
import { describeRun } from '../timeline/repeats.ts';
import { ActionButton, Badge, Countdown, ExpiryBadge, ScopeChips, TONE_CLASS } from './common.tsx';

export const MARK_ROW_PX = 22;
const TRACK_PAD_PX = 4;

/** Height of a lane's track of `rows` rows of marks. */
export function trackHeight(rows: number): number {
  return rows * MARK_ROW_PX + TRACK_PAD_PX * 2;
}

export interface LaneProps {
  lane: TimelineLane;
  model: SessionModel;
  scale: TimeScale;
  now: number;
  cursor: string | null;
  onOpen: (mark: TimelineMark) => void;
  /** Folds or unfolds the run of identical marks with this group id. */
  onToggleRun: (group: string) => void;
}

const STATUS_TONE: Record<Challenge['status'], string> = {
  pending: 'info',
  completed: 'ok',
  blocked: 'error',
  expired: 'warn',
  failed: 'error',
};

/** The scope asked for; a lane may have none (an acr step-up), then the resource it guards. */
function laneTitle(challenge: Challenge): string {
  if (challenge.scope) return challenge.scope;
  const resource = challenge.metadata?.['resource'];
  if (typeof resource === 'string' && resource) return resource;
  return challenge.key.replace(/^[a-z0-9]+:/, '');
}

export function ChallengeLane({ lane, model, scale, now, cursor, onOpen, onToggleRun }: LaneProps) {
  const challenge = lane.challenge as Challenge;
  // A provider id read from a file that no module has still names its lane.
  const provider = providerModule(challenge.provider);
  const presentation = provider?.presentation;
  const grant = grantOf(challenge, model);
  const deadlines = challengeDeadlines(challenge, model);
  return (
    <section
      class={`lane lane-challenge lane-${challenge.status}`}
      data-testid="challenge-lane"
      data-challenge-id={challenge.challengeId ?? ''}
      data-scope={challenge.scope ?? ''}
      data-status={challenge.status}
      aria-label={`Challenge ${challenge.scope ?? ''} ${challenge.status}`}
    >
      <header class="lane-head">
        {presentation?.laneName !== 'challengeId' ? (
          <span class="muted lane-provider" data-testid="lane-provider">
            {presentation?.label ?? challenge.provider}
          </span>
        ) : null}
        <span class="lane-title" title={`challenge ${challenge.challengeId ?? '(no id)'} · ${challenge.key}`}>
          {laneTitle(challenge)}
        </span>
        {/* What the lane is at now comes first, so a narrow panel shows it on the first line. */}
        <Badge tone={STATUS_TONE[challenge.status]} title={challenge.statusReason}>
          {challenge.status}
        </Badge>
        {grant ? (
          <span class={`grant grant-${grant.state}`} data-testid="grant-state" title={grantTitle(grant)}>
            grant {grant.state}
          </span>
        ) : null}
        {deadlines.map((d) => (
          <Countdown key={d.label} label={d.label} at={d.at} now={now} source={d.source} />
        ))}
        {challenge.grantMode ? (
          <span class="muted lane-grant-mode" title="grant_mode">
            {challenge.grantMode}
          </span>
        ) : null}
        <StepPills challenge={challenge} />
        <span class="muted lane-id" title={challenge.key}>
          {challenge.challengeId ?? ''}
        </span>
        <HiddenNote lane={lane} />
        <span class="spacer" />
        {/* For a provider with OTP actions, while a code could matter: enabled for a pending OTP step, disabled with the reason otherwise. */}
        {provider?.actions?.otp !== undefined &&
        (challenge.status === 'pending' || challenge.status === 'expired') ? (
          <OtpActions challenge={challenge} model={model} now={now} />
        ) : null}
      </header>
      <Track lane={lane} scale={scale} cursor={cursor} onOpen={onOpen} onToggleRun={onToggleRun} />
    </section>
  );
}

function grantTitle(grant: NonNullable<ReturnType<typeof grantOf>>): string {
  const parts = [`${grant.scope} (${grant.mode ?? 'mode unknown'})`];
  if (grant.consumption) parts.push(`consumed: ${grant.consumption}`);
  if (grant.expiresAt !== null) parts.push(`expires ${formatIsoTime(grant.expiresAt)}`);
  if (grant.reuseAttempts.length) parts.push(`${grant.reuseAttempts.length} later use(s) refused`);
  // A use the capture cannot see (made from the provider's own frame) must not read as "never used".
  const unseen =
    grant.state !== 'consumed'
      ? providerModule(grant.provider)?.presentation.unseenUse?.(grant.scope)
      : undefined;
  if (unseen) parts.push(unseen);
  return parts.join(' · ');
}

function StepPills({ challenge }: { challenge: Challenge }) {
  if (challenge.steps.length === 0) return null;
  return (
    <ol class="steps-pills" aria-label="Steps" data-testid="step-pills">
      {challenge.steps.map((step) => {
        const state = step.done ? 'done' : step.key === challenge.currentStep ? 'current' : 'pending';
        return (
          <li
            key={step.key}
            class={`pill pill-${state}`}
            data-step={step.key}
            data-state={state}
            title={`${step.key}: ${state}${step.expirationDuration !== undefined ? ` · ${formatDuration(step.expirationDuration * 1000)} allowed` : ''}`}
          >
            <span class="pill-icon">{state === 'done' ? '✓' : state === 'current' ? '●' : '○'}</span>
            {step.key}
          </li>
        );
      })}
    </ol>
  );
}

function OtpActions({ challenge, model, now }: { challenge: Challenge; model: SessionModel; now: number }) {
  const commands = useCommands();
  const rules = useRules();
  const canAct = useStore(selectCanAct);
  const id = challenge.challengeId ?? challenge.key;
  const action = useStore((s) => s.otpActions[id]);
  const busy = action?.busy ?? null;
  const result = action?.last ?? null;
  const apiBase = apiBaseOf(challenge, model);
  const noBase = { enabled: false as const, reason: 'No Session API base is known for this challenge.' };
  const replayRule = !canAct.enabled ? canAct : apiBase ? rules.canReplayOtp(challenge, model, now) : noBase;
  const retryRule = !canAct.enabled ? canAct : apiBase ? rules.canRetryOtp(challenge, model, now) : noBase;
  // Both disabled for the same cause: say it once.
  const shared =
    !replayRule.enabled && !retryRule.enabled && replayRule.reason === retryRule.reason
      ? replayRule.reason
      : null;
  const run = (kind: 'replay' | 'retry') => commands.runOtpAction(kind, challenge, model);
  return (
    <>
      <span class="lane-actions">
        <ActionButton
          label="Replay OTP"
          title="POST /otp again with this challenge token, from the page: a new code is sent"
          availability={replayRule}
          busy={busy === 'replay'}
          onClick={() => run('replay')}
          testId="replay-otp"
          showReason={shared === null}
        />
        <ActionButton
          label="Retry OTP"
          title="POST /otp/retry from the page (the server finds the pending OTP by cookie)"
          availability={retryRule}
          busy={busy === 'retry'}
          onClick={() => run('retry')}
          testId="retry-otp"
          showReason={shared === null}
        />
        {shared !== null ? (
          <span class="action-reason" id="otp-actions-reason" data-testid="otp-actions-reason">
            {shared}
          </span>
        ) : null}
      </span>
      {result ? (
        <span
          class={`action-result verdict verdict-${result.result.ok ? TONE_CLASS[result.result.tone] : 'error'}`}
          data-testid="otp-action-result"
          data-tone={result.result.ok ? result.result.tone : 'failed'}
          role="status"
        >
          {result.result.ok
            ? `${result.what} → ${result.result.exchange.status || 'no response'}: ${result.result.verdict}`
            : `${result.what} not sent: ${result.result.reason}`}
        </span>
      ) : null}
    </>
  );
}

/** Says that a crowded lane is drawn as a sequence, and how many of its marks it leaves out. */
function HiddenNote({ lane }: { lane: TimelineLane }) {
  if (lane.mode !== 'sequence') return null;
  return (
    <span
      class="badge badge-warn"
      data-testid="hidden-marks"
      title="Too many events to label on the time axis: drawn as glyphs in order, one after another (the Exchanges view lists every one)"
    >
      {lane.hidden > 0 ? `in order, ${lane.hidden} not drawn` : 'in order, not to scale'}
    </span>
  );
}

export function AccessLane({ lane, model, scale, now, cursor, onOpen, onToggleRun }: LaneProps) {
  const latest = latestAccessToken(model, lane.accessLane ?? '');
  return (
    <section class="lane lane-access" data-testid="access-lane" data-lane={lane.accessLane}>
      <header class="lane-head">
        <span class="lane-title">Access tokens</span>
        <span class="muted" title="sid (or sub) the tokens belong to">
          session {lane.accessLane}
        </span>
        <HiddenNote lane={lane} />
        {latest ? (
          <>
            <span class="muted">latest</span>
            <ScopeChips scopes={latest.scopes} />
            <ExpiryBadge exp={latest.exp} now={now} />
          </>
        ) : null}
      </header>
      <Track lane={lane} scale={scale} cursor={cursor} onOpen={onOpen} onToggleRun={onToggleRun} />
    </section>
  );
}

function Track({
  lane,
  scale,
  cursor,
  onOpen,
  onToggleRun,
}: {
  lane: TimelineLane;
  scale: TimeScale;
  cursor: string | null;
  onOpen: (mark: TimelineMark) => void;
  onToggleRun: (group: string) => void;
}) {
  // In a sequence the marks are not at their time: no ticks or breaks to read them against.
  const onAxis = lane.mode === 'time';
  return (
    <div
      class={`lane-track lane-track-${lane.mode}`}
      style={{ height: `${trackHeight(lane.rows)}px` }}
      data-testid="lane-track"
    >
      {onAxis
        ? scale.ticks.map((tick) => <span key={tick.t} class="tick-line" style={{ left: `${tick.x}px` }} />)
        : null}
      {onAxis
        ? scale.breaks.map((b) => (
            <span key={b.from} class="break-band" style={{ left: `${b.x}px`, width: `${b.width}px` }} />
          ))
        : null}
      {lane.marks.map((mark) => (
        <MarkSlot
          key={mark.id}
          mark={mark}
          cursor={cursor === mark.id}
          onOpen={onOpen}
          onToggleRun={onToggleRun}
        />
      ))}
      {lane.elision ? (
        <span
          class="mark-elision"
          style={{
            left: `${lane.elision.left}px`,
            top: `${TRACK_PAD_PX + lane.elision.row * MARK_ROW_PX}px`,
            width: `${lane.elision.width}px`,
          }}
          title={`${lane.hidden} events in the middle of this lane are not drawn: the Exchanges view lists every one`}
        >
          ⋯ +{lane.hidden}
        </span>
      ) : null}
    </div>
  );
}

/** A mark and, when it stands for a run of identical marks, the run's count that folds or unfolds it. */
function MarkSlot({
  mark,
  cursor,
  onOpen,
  onToggleRun,
}: {
  mark: TimelineMark;
  cursor: boolean;
  onOpen: (mark: TimelineMark) => void;
  onToggleRun: (group: string) => void;
}) {
  const run = mark.repeat?.toggle ? mark.repeat : undefined;
  // Held by the glyph's end: label widths are estimates, and the glyph must sit on the mark's time.
  const side = mark.flip ? { right: `calc(100% - ${mark.left + mark.width}px)` } : { left: `${mark.left}px` };
  return (
    <span
      class={`mark-slot ${mark.flip ? 'flip' : ''}`}
      style={{ ...side, top: `${TRACK_PAD_PX + mark.row * MARK_ROW_PX}px` }}
    >
      <Mark mark={mark} cursor={cursor} onOpen={onOpen} />
      {run ? (
        <button
          type="button"
          class={`mark-count tone-${mark.tone}`}
          style={{ width: `${countButtonWidth(run.count)}px` }}
          tabIndex={-1}
          aria-expanded={run.expanded}
          title={
            run.expanded
              ? `Fold the ${run.count} “${mark.label}” back into one mark (Space)`
              : `Show the ${run.count} “${mark.label}” one by one (Space)`
          }
          onClick={() => onToggleRun(run.group)}
          data-testid="mark-count"
        >
          ×{run.count}
        </button>
      ) : null}
    </span>
  );
}

function Mark({
  mark,
  cursor,
  onOpen,
}: {
  mark: TimelineMark;
  cursor: boolean;
  onOpen: (mark: TimelineMark) => void;
}) {
  const version = mark.accessToken;
  const run = mark.repeat && !mark.repeat.expanded ? mark.repeat : undefined;
  const what = run ? describeRun(mark.label, run) : `${mark.label} at ${formatIsoTime(mark.time)}`;
  return (
    <button
      type="button"
      id={`mark-${mark.id}`}
      class={`mark tone-${mark.tone} ${cursor ? 'cursor' : ''} ${mark.byInspector ? 'by-inspector' : ''} ${mark.exchangeId ? '' : 'no-exchange'} ${mark.flip ? 'flip' : ''} ${mark.compact ? 'compact' : ''}`}
      title={`${what}\n${mark.detail}${mark.byInspector ? '\nsent by the inspector' : ''}${mark.exchangeId ? '' : '\n(no exchange: noticed by the clock)'}`}
      aria-label={run ? describeRun(mark.label, run) : undefined}
      tabIndex={-1}
      onClick={() => onOpen(mark)}
      data-testid="timeline-mark"
      data-kind={mark.kind}
      data-mark={mark.id}
      data-time={mark.time}
      data-count={run ? run.count : undefined}
    >
      <span class="mark-glyph">{mark.glyph}</span>
      {mark.compact ? null : version ? (
        <span class="mark-label">
          AT{version.id + 1} <span class="muted">{version.source.replace(/_/g, ' ')}</span>{' '}
          {version.diff && version.diff.added.length + version.diff.removed.length === 0 ? (
            <span class="muted">no scope change</span>
          ) : version.diff ? (
            <ScopeChips
              scopes={version.diff.added}
              diff={{ added: version.diff.added, removed: version.diff.removed, kept: [] }}
            />
          ) : (
            <ScopeChips scopes={version.scopes} />
          )}
        </span>
      ) : (
        <span class="mark-label">{mark.label}</span>
      )}
      {mark.byInspector && !mark.compact ? (
        <span class="mark-inspector" aria-label="sent by the inspector">
          ⟲
        </span>
      ) : null}
    </button>
  );
}
