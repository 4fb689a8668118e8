/**
 * The ordered list of findings. Order is canonical, so a model built by `addMany` (which checks DPoP proofs of
 * a batch concurrently) equals one built by sequential `add`s:
 *
 * - findings are sorted by exchange index; findings without an exchange come last;
 * - within one exchange: DPoP findings first, then the others in the order they were raised (findings raised
 *   later about an earlier exchange, such as `challenge.completed_without_refresh`, end up last).
 *
 * An exchange's findings stay pending until the exchange is finalised (its DPoP report applied), then they are
 * appended to the sorted list in one go; only a finding raised about an already finalised exchange needs an
 * insertion in the middle, which is rare.
 */
import type { FindingCode } from '../findings/codes.ts';
import type { Severity } from '../findings/types.ts';
import type { Finding } from './types.ts';

/** What a caller gives to raise a finding; id and severity come from the log and the catalogue. */
export interface FindingInput {
  code: FindingCode;
  exchange: number | null;
  message: string;
  challengeKey?: string;
  challengeId?: string;
  related?: readonly number[];
}

/** Which group of an exchange's findings a new one joins. */
export type FindingSlot = 'dpop' | 'other';

/** Findings in canonical order, with stable ids and per-severity counts. */
export class FindingLog {
  /** `severityOf`: the catalogue's severity of a code (given by the engine, which reads the catalogue). */
  constructor(private readonly severityOf: (code: FindingCode) => Severity) {}

  private sorted: Finding[] = [];
  private readonly pending = new Map<number, { dpop: Finding[]; other: Finding[] }>();
  private readonly global: Finding[] = [];
  private readonly idsTaken = new Set<string>();
  private readonly dedupeKeys = new Set<string>();
  /** Highest exchange index finalised so far (exchanges are finalised in order). */
  private finalisedUpTo = -1;
  private cache: readonly Finding[] | null = [];
  readonly counts = { error: 0, warning: 0, info: 0 };

  /**
   * Adds a finding. Returns it, or null when `dedupeKey` was already used (a repeated condition reported once).
   * `retro` is true when it concerns an exchange already finalised: the caller updates that exchange's refs.
   */
  raise(
    input: FindingInput,
    slot: FindingSlot = 'other',
    dedupeKey?: string,
  ): { finding: Finding; retro: boolean } | null {
    if (dedupeKey !== undefined) {
      if (this.dedupeKeys.has(dedupeKey)) return null;
      this.dedupeKeys.add(dedupeKey);
    }
    const base = `${input.exchange === null ? '-' : input.exchange}:${input.code}`;
    let id = base;
    for (let n = 2; this.idsTaken.has(id); n += 1) id = `${base}#${n}`;
    this.idsTaken.add(id);
    const finding: Finding = {
      id,
      code: input.code,
      severity: this.severityOf(input.code),
      exchange: input.exchange,
      message: input.message,
    };
    if (input.challengeKey !== undefined) finding.challengeKey = input.challengeKey;
    if (input.challengeId !== undefined) finding.challengeId = input.challengeId;
    if (input.related !== undefined && input.related.length > 0) finding.related = [...input.related];
    this.counts[finding.severity] += 1;
    this.cache = null;

    const exchange = input.exchange;
    if (exchange === null) {
      this.global.push(finding);
      return { finding, retro: false };
    }
    if (exchange > this.finalisedUpTo) {
      let group = this.pending.get(exchange);
      if (group === undefined) {
        group = { dpop: [], other: [] };
        this.pending.set(exchange, group);
      }
      group[slot].push(finding);
      return { finding, retro: false };
    }
    // About a finalised exchange: insert after the last finding whose exchange is <= this one.
    this.sorted.splice(this.upperBound(exchange), 0, finding);
    return { finding, retro: true };
  }

  /** Moves the pending findings of `exchange` (finalised in order) into the sorted list; returns their ids. */
  finalise(exchange: number): string[] {
    this.finalisedUpTo = Math.max(this.finalisedUpTo, exchange);
    const group = this.pending.get(exchange);
    if (group === undefined) return [];
    this.pending.delete(exchange);
    const ids: string[] = [];
    for (const finding of group.dpop) {
      this.sorted.push(finding);
      ids.push(finding.id);
    }
    for (const finding of group.other) {
      this.sorted.push(finding);
      ids.push(finding.id);
    }
    return ids;
  }

  /** The findings in canonical order; the same array until something changes. */
  list(): readonly Finding[] {
    if (this.cache === null)
      this.cache = this.global.length === 0 ? this.sorted.slice() : this.sorted.concat(this.global);
    return this.cache;
  }

  /** First position whose exchange is greater than `exchange` (findings are sorted by exchange). */
  private upperBound(exchange: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const at = this.sorted[mid]?.exchange ?? -1;
      if (at <= exchange) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
