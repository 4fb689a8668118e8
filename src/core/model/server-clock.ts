/**
 * The server's clock as the traffic shows it, against the capturing device's. A capture's times (HAR
 * `startedDateTime`, the panel's own) come from the device's clock, and so do the `iat` claims of its DPoP proofs:
 * a device whose clock runs 5 minutes fast writes both 5 minutes fast, so the proofs look fresh by the capture's
 * times while the server, which compares `iat` with its own clock, refuses them. Only what the server wrote shows
 * the difference: each response's `Date` header (RFC 9110 §6.6.1), and the `iat` of tokens it issues.
 *
 * Each such time gives an interval for the offset (client − server): the server wrote it at some moment between
 * the request's start and its response's end by the client's clock, and rounded it down to the second. The
 * interval's middle is one sample; the estimate is the median of the samples so far, kept in a histogram of
 * 100 ms buckets, so an out-of-place sample (a response served from a cache, a token minted earlier) does not move
 * it, and each add costs O(buckets). The histogram is bounded: past its budget the outermost bucket on the side
 * farther from the median is folded into a count of samples beyond it, which leaves the median exact while the
 * bulk of the samples stays inside.
 */
export { describeOffset, formatOffset } from '../dpop/offset.ts';
import type { ExchangeFacts } from './exchange-facts.ts';
import type { ClockOffset } from './types.ts';

/** Bucket width (ms): finer than a `Date` header's resolution. */
const BUCKET_MS = 100;
/** Buckets kept; beyond, the outermost are counted, not kept. */
const MAX_BUCKETS = 256;
/** Longer exchanges say too little about when the server wrote its time: not sampled. */
const MAX_SAMPLE_SPAN_MS = 10_000;
/**
 * An offset is worth telling from this size on. A `Date` header is cut to the second (so its middle is at most
 * 0.5 s off) and the server wrote it at some moment of the request (at most half its duration off the middle of
 * the exchange): for requests under 2 s that is under 1.5 s together, so 2 s is beyond what measurement explains.
 */
export const NOTABLE_OFFSET_MS = 2_000;

/** A server time read off one exchange: where it came from and the offset it gives. */
export interface ServerTimeSample {
  /** Client − server, ms: the middle of the interval the exchange allows. */
  offsetMs: number;
  /** Half the interval's width (ms). */
  halfWidthMs: number;
}

/** The offset to judge one exchange's proof by. */
export interface ExchangeOffset {
  offsetMs: number;
  /** `date`: the exchange's own `Date` header; `estimate`: the capture's estimate so far. */
  source: 'date' | 'estimate';
  /** Whether the offset is beyond what the measurement explains ({@link NOTABLE_OFFSET_MS}). */
  notable: boolean;
}

/** A `Date` header value (IMF-fixdate and the obsolete forms `Date.parse` reads) as epoch ms, or undefined. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined || value.length > 64) return undefined;
  // A Date header has one-second resolution, so consecutive responses mostly repeat the previous value, and
  // Date.parse is slow for the HTTP format.
  if (value === lastDate.text) return lastDate.ms;
  const parsed = Date.parse(value);
  // Anything before 2000 is a broken or zeroed header, not a server's clock.
  const ms = Number.isFinite(parsed) && parsed >= 946_684_800_000 ? parsed : undefined;
  lastDate = { text: value, ms };
  return ms;
}

let lastDate: { text: string | undefined; ms: number | undefined } = { text: undefined, ms: undefined };

/**
 * The offset interval a server time with one-second resolution gives, written at some moment between `start` and
 * `end` by the client's clock: server time ∈ [at, at + 1 s), client time ∈ [start, end].
 */
export function sampleOf(serverAtMs: number, start: number, end: number): ServerTimeSample | undefined {
  if (!(start > 0) || !Number.isFinite(serverAtMs)) return undefined;
  const stop = end >= start ? end : start;
  if (stop - start > MAX_SAMPLE_SPAN_MS) return undefined;
  const low = start - (serverAtMs + 1000);
  const high = stop - serverAtMs;
  return { offsetMs: (low + high) / 2, halfWidthMs: (high - low) / 2 };
}

function isNotable(offsetMs: number, uncertaintyMs: number): boolean {
  return Math.abs(offsetMs) >= Math.max(NOTABLE_OFFSET_MS, 2 * uncertaintyMs);
}

/** The running estimate of the client–server clock offset. */
export class ServerClock {
  /** Bucket starts (multiples of the width), ascending, and their sample counts. */
  private readonly starts: number[] = [];
  private readonly counts: number[] = [];
  /** Samples folded away below the first bucket and above the last, and where those ranges begin. */
  private below = 0;
  private above = 0;
  private lowCut = -Infinity;
  private highCut = Infinity;
  private total = 0;
  private halfWidthSum = 0;
  private cached: ClockOffset | undefined;
  private dirty = false;

  /** Samples the server's `Date` header (plus `Age`, for a response a shared cache kept). */
  observe(f: ExchangeFacts): void {
    const sample = this.dateSample(f);
    if (sample !== undefined) this.add(sample);
  }

  /** Samples a time the server wrote into the exchange's response with one-second resolution (an issued token's `iat`). */
  observeIssued(serverSeconds: unknown, f: ExchangeFacts): void {
    if (typeof serverSeconds !== 'number' || !Number.isFinite(serverSeconds) || f.noResponse) return;
    const sample = sampleOf(serverSeconds * 1000, f.time, f.endTime);
    if (sample !== undefined) this.add(sample);
  }

  /** The offset one exchange's own `Date` header gives, if it has one. */
  dateSample(f: ExchangeFacts): ServerTimeSample | undefined {
    if (f.noResponse || f.time <= 0 || f.responseHeaders.length === 0) return undefined;
    const date = parseHttpDate(f.response.get('date'));
    if (date === undefined) return undefined;
    const age = Number(f.response.get('age') ?? 0);
    const aged = Number.isFinite(age) && age > 0 && age < 86_400 ? date + age * 1000 : date;
    return sampleOf(aged, f.time, f.endTime);
  }

  /** The offset to judge the proof of `f` by: its own `Date` when present, else the estimate so far. */
  offsetFor(f: ExchangeFacts): ExchangeOffset | undefined {
    const own = this.dateSample(f);
    if (own !== undefined) {
      return { offsetMs: own.offsetMs, source: 'date', notable: isNotable(own.offsetMs, own.halfWidthMs) };
    }
    const estimate = this.estimate();
    return estimate === undefined
      ? undefined
      : { offsetMs: estimate.offsetMs, source: 'estimate', notable: estimate.notable };
  }

  /** The estimate so far, or undefined before the first sample. */
  estimate(): ClockOffset | undefined {
    if (this.total === 0) return undefined;
    if (!this.dirty && this.cached !== undefined) return this.cached;
    const offsetMs = Math.round((this.starts[this.medianIndex()] ?? 0) + BUCKET_MS / 2);
    const uncertaintyMs = Math.round(this.halfWidthSum / this.total + BUCKET_MS / 2);
    this.cached = {
      offsetMs,
      uncertaintyMs,
      samples: this.total,
      notable: isNotable(offsetMs, uncertaintyMs),
    };
    this.dirty = false;
    return this.cached;
  }

  /** The bucket holding the median (the first or last kept one, should the median lie in a folded range). */
  private medianIndex(): number {
    const half = this.total / 2;
    let seen = this.below;
    for (let i = 0; i < this.starts.length; i += 1) {
      seen += this.counts[i] ?? 0;
      if (seen >= half) return i;
    }
    return this.starts.length - 1;
  }

  private add(sample: ServerTimeSample): void {
    this.total += 1;
    this.halfWidthSum += sample.halfWidthMs;
    this.dirty = true;
    const start = Math.floor(sample.offsetMs / BUCKET_MS) * BUCKET_MS;
    if (start < this.lowCut) this.below += 1;
    else if (start > this.highCut) this.above += 1;
    else this.insert(start);
    if (this.starts.length > MAX_BUCKETS) this.fold();
  }

  /** Adds one sample to the bucket starting at `start` (binary search, then one splice at most). */
  private insert(start: number): void {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.starts[mid] as number) < start) lo = mid + 1;
      else hi = mid;
    }
    if (this.starts[lo] === start) this.counts[lo] = (this.counts[lo] ?? 0) + 1;
    else {
      this.starts.splice(lo, 0, start);
      this.counts.splice(lo, 0, 1);
    }
  }

  /** Folds the outermost bucket on the side farther from the median into the count beyond it. */
  private fold(): void {
    const median = this.medianIndex();
    if (median >= this.starts.length - 1 - median) {
      this.below += this.counts.shift() ?? 0;
      this.starts.shift();
      this.lowCut = this.starts[0] ?? this.lowCut;
    } else {
      this.above += this.counts.pop() ?? 0;
      this.starts.pop();
      this.highCut = this.starts.at(-1) ?? this.highCut;
    }
  }
}
