import type { ChallengeEvent } from './types.ts';
/** An event's kind with its method, e.g. `factor_verified:code`: what tests, exports and the DOM name it by. */
export function eventName(event: Pick<ChallengeEvent, 'kind' | 'method'>): string {
  return event.method === undefined ? event.kind : `${event.kind}:${event.method}`;
}
