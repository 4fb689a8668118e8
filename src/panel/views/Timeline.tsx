/**
 * The step-up story as a picture: one lane per challenge and one per session's access tokens, on a shared
 * time axis. Arrow keys move a cursor between marks (left/right within a lane, up/down across lanes), Enter or
 * a click opens the mark's exchange and token in the detail pane, Space or a click on a run's count folds or
 * unfolds the run. Only the lanes in view are rendered (a capture may hold hundreds of challenges).
 */
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { SessionModel } from '../../core/model/types.ts';
import { formatDuration, formatIsoTime } from '../../core/tokens/time.ts';
import { useDispatch, useNow, useStore } from '../hooks.ts';
import { modelDeadlines } from '../store/lane-facts.ts';
import { selectActiveSession } from '../store/selectors.ts';
import { layoutTimeline, type TimelineLane, type TimelineLayout } from '../timeline/layout.ts';
import type { TimelineMark } from '../timeline/marks.ts';
import { directionOfKey, neighbourMark } from '../timeline/navigation.ts';
import { AccessLane, ChallengeLane, trackHeight } from './ChallengeLane.tsx';
import { ClockTime } from './common.tsx';
import { EmptyState } from './EmptyState.tsx';
import { RegionBoundary } from './ErrorBoundary.tsx';
import { GapNotice } from './GapNotice.tsx';
import { useVirtualList } from './virtual.ts';

/** Width of the start time at the left of the axis. */
const AXIS_START_PX = 130;

/** Track width assumed before measuring (and in DOMs without layout). */
const FALLBACK_WIDTH = 900;

/** Height of the sticky axis above the lanes (timeline.css). */
const AXIS_PX = 18;
/** Height of one line of a lane's header (timeline.css). */
const LANE_HEAD_PX = 26;
/** Below this width a lane's header usually takes two lines. */
const NARROW_PX = 600;

const NOTHING_EXPANDED: ReadonlySet<string> = new Set();

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
  const scroller = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(FALLBACK_WIDTH);
  // Runs of identical marks the user unfolded, by group id; view state, gone with the view.
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(NOTHING_EXPANDED);
  const layout: TimelineLayout = useMemo(
    () => layoutTimeline(model, width, {}, expanded),
    [model, width, expanded],
  );
  const { lanes } = layout;
  const deadlines = useMemo(() => modelDeadlines(model), [model]);
  const now = useNow(deadlines);
  const list = useVirtualList({
    count: lanes.length,
    estimateSize: (index) => estimateLaneHeight(lanes[index], width),
    getItemKey: (index) => lanes[index]?.id ?? index,
    paddingStart: AXIS_PX,
    overscan: 4,
  });
  const { scrollRef } = list;
  const setScroller = useCallback(
    (element: HTMLDivElement | null) => {
      scroller.current = element;
      scrollRef(element);
    },
    [scrollRef],
  );
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    const measure = () => setWidth(el.clientWidth > 0 ? el.clientWidth - 2 : FALLBACK_WIDTH);
    measure();
    if (typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // The mark the keyboard moved to, until it is drawn and scrolled into view (its lane may not be rendered yet).
  const reveal = useRef<string | null>(null);
  useLayoutEffect(() => {
    if (reveal.current === null) return;
    const el = document.getElementById(`mark-${reveal.current}`);
    if (!el) return;
    reveal.current = null;
    el.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  });

  const laneOf = (markId: string | null): number =>
    markId === null ? -1 : lanes.findIndex((l) => l.marks.some((m) => m.id === markId));

  const open = (mark: TimelineMark) => {
    if (mark.exchangeId === null) {
      dispatch({ type: 'markFocused', mark: mark.id });
      return;
    }
    dispatch({ type: 'exchangeSelected', id: mark.exchangeId, token: mark.token, mark: mark.id, open: true });
  };

  /** Folds or unfolds a run of identical marks; the cursor goes to the run's first mark. */
  const toggleRun = (group: string) => {
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(group)) next.add(group);
      return next;
    });
    dispatch({ type: 'markFocused', mark: group });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const direction = directionOfKey(event.key);
    if (direction) {
      event.preventDefault();
      const next = neighbourMark(lanes, cursor, direction);
      dispatch({ type: 'markFocused', mark: next });
      reveal.current = next;
      const index = laneOf(next);
      if (next && index >= 0 && !document.getElementById(`mark-${next}`)) list.scrollToIndex(index);
      return;
    }
    const mark = cursor ? lanes.flatMap((l) => l.marks).find((m) => m.id === cursor) : undefined;
    if (!mark) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      open(mark);
    } else if (event.key === ' ' && mark.repeat) {
      event.preventDefault();
      toggleRun(mark.repeat.group);
    }
  };

  const challengeLanes = lanes.filter((l) => l.kind === 'challenge');
  return (
    <div class="timeline">
      <div
        class="timeline-scroll"
        ref={setScroller}
        tabIndex={0}
        onKeyDown={onKeyDown}
        aria-label="Step-up timeline: arrow keys move between marks, Enter opens, Space folds or unfolds repeats"
        aria-activedescendant={cursor ? `mark-${cursor}` : undefined}
        data-testid="timeline"
      >
        <div class="timeline-lanes" style={{ height: `${list.totalSize}px` }}>
          <Axis layout={layout} width={width} />
          {/* A lane that throws shows its own fallback; the other lanes are drawn as usual. */}
          {list.items.map((item) => {
            const lane = lanes[item.index] as TimelineLane;
            const LaneView = lane.kind === 'challenge' ? ChallengeLane : AccessLane;
            return (
              <div
                key={lane.id}
                class="lane-slot"
                data-index={item.index}
                ref={list.measure}
                style={{ top: `${item.start}px` }}
              >
                <RegionBoundary
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
                    onToggleRun={toggleRun}
                  />
                </RegionBoundary>
              </div>
            );
          })}
        </div>
        {challengeLanes.length === 0 ? (
          <p class="empty-inline lane-note">No step-up challenge in this session yet: only access tokens.</p>
        ) : null}
        <Legend />
      </div>
    </div>
  );
}

/** The time axis, sticky above the lanes: the start time, ticks from it, squeezed idle gaps. */
function Axis({ layout, width }: { layout: TimelineLayout; width: number }) {
  return (
    <div class="axis" style={{ width: `${width}px` }}>
      <span class="axis-start" title="Time of the first mark">
        <ClockTime ms={layout.scale.t0} /> UTC
      </span>
      {layout.scale.ticks.map((tick) =>
        // The first ticks sit under the start time: leave them out rather than overlap it.
        tick.label === '0' || tick.x < AXIS_START_PX ? null : (
          <span key={tick.t} class="axis-tick" style={{ left: `${tick.x}px` }} title={formatIsoTime(tick.t)}>
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
  );
}

/** A lane's height before it is measured: a header line (two when narrow) above its rows of marks. */
function estimateLaneHeight(lane: TimelineLane | undefined, width: number): number {
  const head = width < NARROW_PX ? 2 * LANE_HEAD_PX : LANE_HEAD_PX;
  return head + trackHeight(lane?.rows ?? 1) + 1;
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
      <span class="legend-item tone-info">
        <span class="legend-count">×3</span> repeated (Space or a click on the count unfolds)
      </span>
    </footer>
  );
}
