/**
 * The step-up story as a picture: one lane per challenge and one per session's access tokens, on a shared
 * time axis. Arrow keys move a cursor between marks (left/right within a lane, up/down across lanes), Enter or
 * a click opens the mark's exchange and token in the detail pane.
 */
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { SessionModel } from '../../core/model/types.ts';
import { formatDuration, formatIsoTime } from '../../core/tokens/time.ts';
import { useDispatch, useNow, useStore } from '../hooks.ts';
import { modelDeadlines } from '../store/lane-facts.ts';
import { selectActiveSession } from '../store/selectors.ts';
import { layoutTimeline, type TimelineLane, type TimelineLayout } from '../timeline/layout.ts';
import type { TimelineMark } from '../timeline/marks.ts';
import { directionOfKey, neighbourMark } from '../timeline/navigation.ts';
import { AccessLane, ChallengeLane } from './ChallengeLane.tsx';
import { ClockTime } from './common.tsx';
import { EmptyState } from './EmptyState.tsx';
import { RegionBoundary } from './ErrorBoundary.tsx';
import { GapNotice } from './GapNotice.tsx';

/** Width of the start time at the left of the axis. */
const AXIS_START_PX = 130;

/** Track width assumed before measuring (and in DOMs without layout). */
const FALLBACK_WIDTH = 900;

export function Timeline() {
  return (
    <>
      <GapNotice />
      <TimelineContent />
    </>
  );
}

function TimelineContent() {
  const session = useStore(selectActiveSession);
  // An import shown while its file is still being read: its first rows are not the whole story yet.
  const loading = useStore(
    (s) => s.importProgress?.sessionId === session.id && s.importProgress.phase !== 'analysing',
  );
  const model = session.model;
  if (!model) {
    if (loading)
      return (
        <p class="empty-inline">
          Reading {session.name}… {session.exchanges.length} exchanges so far
        </p>
      );
    return session.exchanges.length > 0 ? (
      <p class="empty-inline">Analysing {session.exchanges.length} exchanges…</p>
    ) : (
      <EmptyState />
    );
  }
  if (model.challenges.length === 0 && model.accessTokens.length === 0) return <EmptyState model={model} />;
  return <TimelineBody model={model} />;
}

function TimelineBody({ model }: { model: SessionModel }) {
  const dispatch = useDispatch();
  const cursor = useStore((s) => s.selection.mark);
  const container = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(FALLBACK_WIDTH);
  useLayoutEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const measure = () => setWidth(el.clientWidth > 0 ? el.clientWidth - 2 : FALLBACK_WIDTH);
    measure();
    if (typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const layout: TimelineLayout = useMemo(() => layoutTimeline(model, width), [model, width]);
  const deadlines = useMemo(() => modelDeadlines(model), [model]);
  const now = useNow(deadlines);

  const open = (mark: TimelineMark) => {
    if (mark.exchangeId === null) {
      dispatch({ type: 'markFocused', mark: mark.id });
      return;
    }
    dispatch({ type: 'exchangeSelected', id: mark.exchangeId, token: mark.token, mark: mark.id, open: true });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const direction = directionOfKey(event.key);
    if (direction) {
      event.preventDefault();
      const next = neighbourMark(layout.lanes, cursor, direction);
      dispatch({ type: 'markFocused', mark: next });
      if (next)
        document.getElementById(`mark-${next}`)?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
      return;
    }
    if (event.key === 'Enter' && cursor) {
      const mark = layout.lanes.flatMap((l) => l.marks).find((m) => m.id === cursor);
      if (mark) {
        event.preventDefault();
        open(mark);
      }
    }
  };

  const challengeLanes = layout.lanes.filter((l) => l.kind === 'challenge');
  return (
    <div
      class="timeline"
      ref={container}
      tabIndex={0}
      onKeyDown={onKeyDown}
      aria-label="Step-up timeline: arrow keys move between marks, Enter opens"
      aria-activedescendant={cursor ? `mark-${cursor}` : undefined}
      data-testid="timeline"
    >
      <div class="axis" style={{ width: `${width}px` }}>
        <span class="axis-start" title="Time of the first mark">
          <ClockTime ms={layout.scale.t0} /> UTC
        </span>
        {layout.scale.ticks.map((tick) =>
          // The first ticks sit under the start time: leave them out rather than overlap it.
          tick.label === '0' || tick.x < AXIS_START_PX ? null : (
            <span
              key={tick.t}
              class="axis-tick"
              style={{ left: `${tick.x}px` }}
              title={formatIsoTime(tick.t)}
            >
              {tick.label}
            </span>
          ),
        )}
        {layout.scale.breaks.map((b) => (
          <span
            key={b.from}
            class="axis-break"
            style={{ left: `${b.x}px`, width: `${b.width}px` }}
            title={`${formatDuration(b.to - b.from)} without events, squeezed`}
          >
            ⋯
          </span>
        ))}
      </div>
      {challengeLanes.length === 0 ? (
        <p class="empty-inline lane-note">No step-up challenge in this session yet: only access tokens.</p>
      ) : null}
      {/* A lane that throws shows its own fallback; the other lanes are drawn as usual. */}
      {layout.lanes.map((lane) => {
        const LaneView = lane.kind === 'challenge' ? ChallengeLane : AccessLane;
        return (
          <RegionBoundary
            key={lane.id}
            region={lane.kind === 'challenge' ? 'challenge lane' : 'access-token lane'}
            subject={laneSubject(lane)}
            as="section"
            class="lane"
          >
            <LaneView
              lane={lane}
              model={model}
              scale={layout.scale}
              now={now}
              cursor={cursor}
              onOpen={open}
            />
          </RegionBoundary>
        );
      })}
      <Legend />
    </div>
  );
}

/** Which challenge (its id, else the model's key) or session a lane shows, for its error fallback. */
function laneSubject(lane: TimelineLane): string {
  if (lane.kind === 'access') return `session ${lane.accessLane ?? 'unknown'}`;
  const challenge = lane.challenge;
  return `challenge ${challenge?.challengeId ?? challenge?.key ?? lane.id}`;
}

/** The glyphs in every provider's lanes, in generic words (each lane's marks use its provider's). */
function Legend() {
  const items: [string, string, string][] = [
    ['◆', 'info', 'request'],
    ['✉', 'info', 'code sent'],
    ['✕', 'error', 'failed (error code)'],
    ['✓', 'ok', 'passed'],
    ['★', 'ok', 'completed'],
    ['⟳', 'info', 'challenge redeemed for its scope'],
    ['⬢', 'grant', 'scope granted'],
    ['⊘', 'grant', 'grant consumed'],
    ['⊗', 'refused', 'refused / blocked'],
    ['◷', 'warn', 'expired'],
    ['⟲', 'inspector', 'sent by inspector'],
  ];
  return (
    <footer class="legend" aria-label="Legend">
      {items.map(([glyph, tone, text]) => (
        <span key={text} class={`legend-item tone-${tone}`}>
          <span class="mark-glyph">{glyph}</span> {text}
        </span>
      ))}
    </footer>
  );
}
