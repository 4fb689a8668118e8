/**
 * The Dynamic model, told what `@dynamic-labs-sdk/client` does with each answer (sdk-errors.ts), for requests
 * that carry its `x-dyn-version: ClientSDK/…`. The model's `dynamic.*` finding on a failed `stepUp/check` or on an
 * error thrown as the raw `Response` carries it with its fix; a failed check the model raised nothing for is
 * `dynamic.step_up_check_failed`; every other error answer gets a note naming what the call rejects with. Without
 * a readable client version nothing is added.
 */
import { clientBodyShape } from '../../http/body.ts';
import type { ExchangeFacts, HeaderIndex } from '../../model/exchange-facts.ts';
import type { FindingInput } from '../../model/finding-log.ts';
import type { ExchangeDraft, ProviderModelFactory, ProviderModelHost } from '../../model/provider-host.ts';
import type { ExchangeClassification } from '../parts.ts';
import { createDynamicModel } from './model.ts';
import {
  FAILURE_WORDS,
  checkFailure,
  clientRejection,
  describeCheckFailure,
  describeRejection,
  parseClientSdkVersion,
  type CheckFailure,
  type ClientSdkVersion,
} from './sdk-errors.ts';

const VERSION_HEADER = 'x-dyn-version';

/** What to say about the exchange being handled, until the model returns. */
interface Pending {
  index: number;
  /** The sentence for the finding the model raises on it, when it is a trap. */
  trap?: string;
  /** The sentence for a note, when no finding carries it. */
  note?: string;
  /** Raised as `dynamic.step_up_check_failed` when no finding carries it. */
  check?: { text: string; failure: CheckFailure };
  told: boolean;
}

function versionOf(request: HeaderIndex): ClientSdkVersion | undefined {
  return request.truncated(VERSION_HEADER) ? undefined : parseClientSdkVersion(request.all(VERSION_HEADER));
}

function pendingFor(d: ExchangeDraft, f: ExchangeFacts, cls: ExchangeClassification): Pending | undefined {
  if (d.exchange.initiator === 'inspector' || cls.endpoint === 'preflight') return undefined;
  const isCheck = cls.endpoint === 'stepup.check';
  // Most answers are 2xx and need nothing: decide that before reading headers or bodies.
  if (f.ok && !isCheck) return undefined;
  const sdk = versionOf(f.request);
  if (sdk === undefined) return undefined;
  const body = f.noResponse ? ({ kind: 'unknown' } as const) : clientBodyShape(f.responseBody);
  if (isCheck) {
    const failure = checkFailure(f.status, body);
    if (failure === undefined) return undefined;
    return { index: d.index, check: { text: describeCheckFailure(sdk, failure), failure }, told: false };
  }
  const rejection = clientRejection(f.status, body);
  if (rejection === undefined) return undefined;
  const text = describeRejection(sdk, rejection);
  return rejection.kind === 'response'
    ? { index: d.index, trap: text, note: text, told: false }
    : { index: d.index, note: text, told: false };
}

function checkMessage(cls: ExchangeClassification, f: ExchangeFacts, failure: CheckFailure): string {
  const status = f.noResponse ? '' : ` (${f.status})`;
  return `${cls.label} ${FAILURE_WORDS[failure.why]}${status}.`;
}

/**
 * Wraps the Dynamic model factory: the model's `dynamic.*` finding on a failed check or a raw-`Response` error
 * carries what the app receives; a failed check the model raised nothing for is `dynamic.step_up_check_failed`;
 * other error answers get a note.
 */
export function withClientSdkErrors(factory: ProviderModelFactory): ProviderModelFactory {
  return (host: ProviderModelHost) => {
    let pending: Pending | undefined;
    const raise: ProviderModelHost['raise'] = (input, slot, dedupeKey) => {
      let finding: FindingInput = input;
      const p = pending;
      const text = p?.check?.text ?? p?.trap;
      if (
        p !== undefined &&
        text !== undefined &&
        !p.told &&
        dedupeKey === undefined &&
        input.exchange === p.index &&
        input.code.startsWith('dynamic.')
      ) {
        finding = { ...input, message: `${input.message} ${text}` };
        p.told = true;
      }
      host.raise(finding, slot, dedupeKey);
    };
    const model = factory({ ...host, raise });
    const onExchange = model.onExchange.bind(model);
    model.onExchange = (d: ExchangeDraft, f: ExchangeFacts, cls: ExchangeClassification) => {
      const p = pendingFor(d, f, cls);
      pending = p;
      let result: ReturnType<typeof onExchange>;
      try {
        result = onExchange(d, f, cls);
      } finally {
        // Nothing raised later (a sweep, the next exchange) is about this answer.
        pending = undefined;
      }
      if (p !== undefined && !p.told) {
        if (p.check !== undefined) {
          host.raise({
            code: 'dynamic.step_up_check_failed',
            exchange: d.index,
            message: `${checkMessage(cls, f, p.check.failure)} ${p.check.text}`,
            ...(d.challengeKey !== null ? { challengeKey: d.challengeKey } : {}),
          });
        } else if (p.note !== undefined) d.notes.push(p.note);
      }
      return result;
    };
    return model;
  };
}

/** The Dynamic model with what the client SDK does. */
export const createSdkAwareModel: ProviderModelFactory = withClientSdkErrors(createDynamicModel);
