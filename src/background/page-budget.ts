/**
 * The budget of page-reported exchanges (what the page hook's relay sends). The inspected page runs in the
 * hook's world and can dispatch the hook's event as often as it likes, so what it reports is limited three
 * ways, per tab:
 *
 * - a rate: a token bucket (a burst, then a steady rate), kept in the tab's stored state so that a restarted
 *   worker continues it rather than handing out a fresh burst;
 * - a queue: page-reported exchanges waiting in the worker are counted in memory and those beyond the bound
 *   are dropped on arrival, before they are parsed. Losing this count in a restart is safe: the waiting
 *   messages die with the worker (their senders see the error and retry, through the rate limit again);
 * - a share of the log: see CaptureStore (page-only exchanges are evicted first, never evict anything another
 *   source captured, and beyond their share new ones are dropped).
 *
 * A genuine hook reports the step-up traffic of one page, tens of requests a minute at most: the limits are
 * far above that and far below what a flood would push.
 */

export interface PageLimits {
  /** Token bucket per tab: `burst` exchanges at once, refilled at `perMinute`. */
  rate: { burst: number; perMinute: number };
  /** Exchanges only the page reported that one tab's log may hold: a count and characters of JSON. */
  share: { exchanges: number; chars: number };
  /** Page-reported exchanges that may wait in the worker per tab; more are dropped on arrival. */
  maxQueued: number;
}

export const PAGE_RATE = { burst: 120, perMinute: 300 } as const;
/** A fifth of the per-tab cap, and about a quarter of the 10 MB storage.session quota. */
export const PAGE_SHARE = { exchanges: 1_000, chars: 2_500_000 } as const;
export const MAX_QUEUED_PAGE_EXCHANGES = 200;

export const DEFAULT_PAGE_LIMITS: PageLimits = {
  rate: PAGE_RATE,
  share: PAGE_SHARE,
  maxQueued: MAX_QUEUED_PAGE_EXCHANGES,
};

/** A token bucket's state: `tokens` left at epoch ms `at`. */
export interface Budget {
  tokens: number;
  at: number;
}

/**
 * Takes up to `wanted` tokens from `budget` (a full bucket when there is none yet) at `now`. Time never runs
 * backwards for the bucket: an earlier `now` (messages processed out of arrival order) refills nothing.
 */
export function takeTokens(
  budget: Budget | undefined,
  wanted: number,
  now: number,
  rate: PageLimits['rate'],
): { granted: number; budget: Budget } {
  const start = budget ?? { tokens: rate.burst, at: now };
  const elapsed = Math.max(0, now - start.at);
  const tokens = Math.min(rate.burst, start.tokens + (elapsed * rate.perMinute) / 60_000);
  const granted = Math.max(0, Math.min(wanted, Math.floor(tokens)));
  return { granted, budget: { tokens: tokens - granted, at: Math.max(now, start.at) } };
}

/**
 * The in-memory part: how many page-reported exchanges wait per tab, and the drops over the rate not
 * written to the tab's state yet.
 */
export class PageIntake {
  private readonly queued = new Map<number, number>();
  private readonly dropped = new Map<number, number>();

  constructor(private readonly maxQueued: number) {}

  /** How many of `count` arriving exchanges may wait; the rest are counted as dropped. */
  admit(tabId: number, count: number): number {
    const waiting = this.queued.get(tabId) ?? 0;
    const admitted = Math.max(0, Math.min(count, this.maxQueued - waiting));
    if (admitted > 0) this.queued.set(tabId, waiting + admitted);
    this.addDropped(tabId, count - admitted);
    return admitted;
  }

  /** `count` admitted exchanges are done with; resolves whether the tab's queue is now empty. */
  release(tabId: number, count: number): boolean {
    const left = (this.queued.get(tabId) ?? 0) - count;
    if (left > 0) this.queued.set(tabId, left);
    else this.queued.delete(tabId);
    return left <= 0;
  }

  addDropped(tabId: number, count: number): void {
    if (count > 0) this.dropped.set(tabId, (this.dropped.get(tabId) ?? 0) + count);
  }

  /** The drops not written yet, forgotten here (the caller writes them). */
  takeDropped(tabId: number): number {
    const count = this.dropped.get(tabId) ?? 0;
    this.dropped.delete(tabId);
    return count;
  }

  hasDropped(tabId: number): boolean {
    return this.dropped.has(tabId);
  }

  forget(tabId: number): void {
    this.dropped.delete(tabId);
  }
}
