/**
 * The Session API model, told what the JS SDK does with each answer. The model says what the server meant; this
 * layer adds what the app's `catch` receives (sdk-errors.ts), for requests that carry the SDK's
 * `X-SDK-User-Agent`. Where the class is not the one the app is likely to test, the finding the model raises for
 * that answer carries the trap and its fix; every other answer the SDK handles in its own way gets a note on the
 * exchange. Without a readable SDK version nothing is added.
 */
import { clientBodyShape } from '../../http/body.ts';
import type { Body } from '../../http/exchange.ts';
import type { ExchangeFacts, HeaderIndex } from '../../model/exchange-facts.ts';
import type { FindingInput } from '../../model/finding-log.ts';
import type { ExchangeDraft, ProviderModelFactory, ProviderModelHost } from '../../model/provider-host.ts';
import type { ExchangeClassification } from '../parts.ts';
import { createPreludeModel } from './model/index.ts';
import {
  describeSdkOutcome,
  parseSdkUserAgent,
  sdkCallFor,
  sdkOutcome,
  type SdkAnswer,
  type SdkCall,
  type SdkOutcome,
  type SdkVersion,
} from './sdk-errors.ts';

const USER_AGENT_HEADER = 'x-sdk-user-agent';

/** The findings that explain an error answer, and so may carry what the app received. */
function explainsAnswer(code: string): boolean {
  return code.startsWith('prelude.') || code === 'challenge.bad_code' || code === 'challenge.expired';
}

/**
 * A 2xx body the SDK plainly takes as success: a JSON object (by its ends) with no `code` key and the field the
 * call needs. Most answers are these, and telling them apart without parsing keeps the model's own parse the only
 * one. Anything else is parsed and judged.
 */
function plainSuccess(body: Body, call: SdkCall): boolean {
  if (body.kind !== 'text' || body.truncated === true) return false;
  const text = body.text;
  let first = 0;
  let last = text.length - 1;
  while (first <= last && text.charCodeAt(first) <= 0x20) first += 1;
  while (last >= first && text.charCodeAt(last) <= 0x20) last -= 1;
  if (text[first] !== '{' || text[last] !== '}' || text.includes('"code"')) return false;
  const field = call.needs?.field;
  return field === undefined || text.includes(`"${field}"`);
}

function crossOrigin(f: ExchangeFacts): boolean {
  const origin = f.request.get('origin');
  if (origin === undefined) return false;
  try {
    return new URL(f.url).origin !== origin;
  } catch {
    return false;
  }
}

function dpopNonce(f: ExchangeFacts): SdkAnswer['dpopNonce'] {
  const nonce = f.response.get('dpop-nonce');
  if (nonce === undefined || nonce === '') return 'absent';
  // Session-proof calls are credentialed, so a `*` in the expose list does not count.
  if (crossOrigin(f) && !f.response.tokenList('access-control-expose-headers').has('dpop-nonce'))
    return 'hidden';
  return 'readable';
}

/** The SDK's handling of this exchange's answer, when there is something to say about it. */
function outcomeOf(f: ExchangeFacts, call: SdkCall): SdkOutcome | undefined {
  if (f.ok && f.status !== 204 && plainSuccess(f.responseBody, call)) return undefined;
  const outcome = sdkOutcome(call, {
    status: f.status,
    body: f.status === 204 ? { kind: 'empty' } : clientBodyShape(f.responseBody),
    dpopNonce: f.ok || f.noResponse ? 'absent' : dpopNonce(f),
  });
  if (outcome === undefined || outcome.receives.kind === 'unknown') return undefined;
  if (outcome.receives.kind === 'resolves' && outcome.trap === undefined) return undefined;
  return outcome;
}

/** What is known about the exchange being handled, until the model returns. */
interface Pending {
  index: number;
  sdk: SdkVersion;
  outcome: SdkOutcome;
  /** A finding carries the text. */
  told: boolean;
}

/**
 * Wraps a Session API model factory: the model's findings on an answer whose class is a trap carry it, and the
 * other answers the SDK handles in its own way get a note. `factory` sees a host whose `raise` does the former.
 */
export function withSdkErrors(factory: ProviderModelFactory): ProviderModelFactory {
  return (host: ProviderModelHost) => {
    let pending: Pending | undefined;
    let lastUserAgent: string | undefined;
    let lastVersion: SdkVersion | undefined;

    const versionOf = (request: HeaderIndex): SdkVersion | undefined => {
      const values = request.all(USER_AGENT_HEADER);
      if (values.length === 1 && values[0] === lastUserAgent) return lastVersion;
      const version = request.truncated(USER_AGENT_HEADER) ? undefined : parseSdkUserAgent(values);
      if (values.length === 1) {
        lastUserAgent = values[0];
        lastVersion = version;
      }
      return version;
    };

    const raise: ProviderModelHost['raise'] = (input, slot, dedupeKey) => {
      let finding: FindingInput = input;
      const told = pending;
      if (
        told !== undefined &&
        !told.told &&
        told.outcome.trap !== undefined &&
        dedupeKey === undefined &&
        input.exchange === told.index &&
        explainsAnswer(input.code)
      ) {
        const text = describeSdkOutcome(told.sdk, told.outcome, {
          expired: input.code === 'challenge.expired',
        });
        finding = { ...input, message: `${input.message} ${text}` };
        told.told = true;
      }
      host.raise(finding, slot, dedupeKey);
    };

    const model = factory({ ...host, raise });
    const onExchange = model.onExchange.bind(model);
    model.onExchange = (d: ExchangeDraft, f: ExchangeFacts, cls: ExchangeClassification) => {
      const call =
        d.exchange.initiator === 'inspector' ? undefined : sdkCallFor(cls.endpoint, f.dpopHeaders.length > 0);
      const outcome = call !== undefined ? outcomeOf(f, call) : undefined;
      const sdk = outcome !== undefined ? versionOf(f.request) : undefined;
      const p: Pending | undefined =
        outcome !== undefined && sdk !== undefined
          ? { index: d.index, sdk, outcome, told: false }
          : undefined;
      pending = p;
      let result: ReturnType<typeof onExchange>;
      try {
        result = onExchange(d, f, cls);
      } finally {
        // Nothing raised later (a sweep, the next exchange) is about this answer.
        pending = undefined;
      }
      if (p !== undefined && !p.told) d.notes.push(describeSdkOutcome(p.sdk, p.outcome));
      return result;
    };
    return model;
  };
}

/** The Session API model with what the SDK does. */
export const createSdkAwareModel: ProviderModelFactory = withSdkErrors(createPreludeModel);
