/**
 * Fault injection: make the emulator misbehave on purpose so the inspector has failures to explain.
 * Faults apply to Session API traffic (`/v1/session/*`, the JWKS), never to CORS preflights or `/__emulator/*`.
 */
import { isErrorCode, type ErrorCode } from './errors.ts';

/** Options shared by every fault. */
export interface FaultScope {
  /** Only requests to this endpoint, e.g. `/refresh` (relative to `/v1/session`) or a full path. */
  path?: string;
  /** Only requests with this method. */
  method?: string;
  /** Fire this many times, then disappear. Unlimited when absent. */
  times?: number;
}

/** A misbehaviour. */
export type Fault = FaultScope &
  (
    | { kind: 'use_dpop_nonce' }
    | { kind: 'drop_expose_headers' }
    | { kind: 'delay'; ms: number }
    | { kind: 'error'; code: ErrorCode; status?: number; message?: string }
    | { kind: 'network_drop' }
    | { kind: 'expire_challenges' }
  );

/** The kinds of fault. */
export type FaultKind = Fault['kind'];

/** A fault as stored: the fault plus bookkeeping. */
export type ActiveFault = Fault & {
  id: string;
  /** Firings left (`undefined`: unlimited). */
  remaining?: number;
  /** How often it fired so far. */
  hits: number;
};

/** Programmatic fault control (also served as `POST/GET/DELETE /__emulator/faults`). */
export interface FaultControl {
  /** Adds a fault; returns it with its id. Throws `TypeError` on a malformed fault. */
  set(fault: Fault): ActiveFault;
  /** Removes one fault by id, or all of them. */
  clear(id?: string): void;
  /** The active faults. */
  list(): ActiveFault[];
}

const KINDS: readonly FaultKind[] = [
  'use_dpop_nonce',
  'drop_expose_headers',
  'delay',
  'error',
  'network_drop',
  'expire_challenges',
];
const SESSION_PREFIX = '/v1/session';

/** Validates untrusted JSON into a {@link Fault}; returns an error message instead when it is not one. */
export function parseFault(value: unknown): Fault | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'a fault must be a JSON object';
  const v = value as Record<string, unknown>;
  if (typeof v.kind !== 'string' || !(KINDS as readonly string[]).includes(v.kind)) {
    return `kind must be one of ${KINDS.join(', ')}`;
  }
  const scope: FaultScope = {};
  if (v.path !== undefined) {
    if (typeof v.path !== 'string' || !v.path.startsWith('/')) return 'path must start with /';
    scope.path = v.path;
  }
  if (v.method !== undefined) {
    if (typeof v.method !== 'string') return 'method must be a string';
    scope.method = v.method.toUpperCase();
  }
  if (v.times !== undefined) {
    if (typeof v.times !== 'number' || !Number.isInteger(v.times) || v.times < 1)
      return 'times must be a positive integer';
    scope.times = v.times;
  }
  switch (v.kind) {
    case 'delay': {
      const ms = v.ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 120_000)
        return 'delay needs ms in 0..120000';
      return { ...scope, kind: 'delay', ms };
    }
    case 'error': {
      if (!isErrorCode(v.code)) return 'error needs a known error code';
      const fault: Fault = { ...scope, kind: 'error', code: v.code };
      if (v.status !== undefined) {
        if (typeof v.status !== 'number' || !Number.isInteger(v.status) || v.status < 400 || v.status > 599) {
          return 'status must be an integer in 400..599';
        }
        fault.status = v.status;
      }
      if (v.message !== undefined) {
        if (typeof v.message !== 'string') return 'message must be a string';
        fault.message = v.message;
      }
      return fault;
    }
    default:
      return { ...scope, kind: v.kind as Exclude<FaultKind, 'delay' | 'error'> };
  }
}

/** The fault store. `take` consumes one firing of the first matching fault of a kind. */
export class FaultStore implements FaultControl {
  private faults: ActiveFault[] = [];
  private counter = 0;

  set(fault: Fault): ActiveFault {
    const parsed = parseFault(fault);
    if (typeof parsed === 'string') throw new TypeError(parsed);
    const active: ActiveFault = { ...parsed, id: `f${++this.counter}`, hits: 0 };
    if (parsed.times !== undefined) active.remaining = parsed.times;
    this.faults.push(active);
    return { ...active };
  }

  clear(id?: string): void {
    this.faults = id === undefined ? [] : this.faults.filter((f) => f.id !== id);
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Consumes one firing of the first fault of `kind` matching the request; returns it, or undefined. */
  take<K extends FaultKind>(
    kind: K,
    method: string,
    pathname: string,
  ): Extract<ActiveFault, { kind: K }> | undefined {
    const index = this.faults.findIndex((f) => f.kind === kind && matches(f, method, pathname));
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.hits += 1;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.splice(index, 1);
    }
    return { ...fault } as Extract<ActiveFault, { kind: K }>;
  }
}

function matches(fault: ActiveFault, method: string, pathname: string): boolean {
  if (fault.method !== undefined && fault.method !== method) return false;
  if (fault.path === undefined) return true;
  return pathname === fault.path || pathname === `${SESSION_PREFIX}${fault.path}`;
}
