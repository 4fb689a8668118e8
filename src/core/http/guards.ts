/**
 * Field rules shared by the two readers of untrusted exchange data, HAR entries (`har.ts`) and inspector
 * exports / page-reported exchanges (`log-file.ts`), so both accept and refuse the same things.
 */
import type { ExchangeSource } from './exchange.ts';

export const MAX_ID_LENGTH = 256;
export const MAX_URL_LENGTH = 2 * 1024 * 1024;
export const MAX_HEADERS = 1000;
export const MAX_HEADER_NAME_LENGTH = 8 * 1024;
export const MAX_HEADER_VALUE_LENGTH = 1024 * 1024;
export const MAX_SHORT_TEXT_LENGTH = 4096;
/** An HTTP method token (RFC 9110 §9.1), bounded. */
export const METHOD_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
export const EXCHANGE_SOURCES: readonly ExchangeSource[] = [
  'webrequest',
  'devtools',
  'page-hook',
  'har',
  'import',
  'inspector',
];

export type Rec = Record<string, unknown>;

export function isRecord(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: an inherited or `__proto__`-smuggled value (polluted prototype, crafted object) is not data. */
export function own(record: Rec, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
