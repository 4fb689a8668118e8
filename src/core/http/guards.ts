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

/**
 * An entry of a loaded file that could not become an exchange (`kept` absent: the entry is not in the
 * result), or one that did but with a header or body cut to a size limit (`kept: true`: the entry is in the
 * result, its cut parts marked `truncated`). Kept notes are at most one per entry; consumers that count or
 * renumber skipped entries must leave them out.
 */
export interface SkippedEntry {
  index: number;
  reason: string;
  kept?: true;
}

/**
 * A header value cut to {@link MAX_HEADER_VALUE_LENGTH}, never between the two halves of a surrogate pair.
 * The caller marks the header `truncated`.
 */
export function cutHeaderValue(value: string): string {
  let end = MAX_HEADER_VALUE_LENGTH;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return value.slice(0, end);
}

/** The part of a kept-with-cuts note that says what one header lost. */
export function headerCutNote(where: 'request' | 'response', name: string, length: number): string {
  const shown = name.length > 80 ? `${name.slice(0, 77)}...` : name;
  return `${where} header ${shown} is ${count(length)} characters long, over the 1 MiB limit: kept its first ${count(MAX_HEADER_VALUE_LENGTH)}, marked truncated`;
}

/** The part of a kept-with-cuts note that says what one body lost. */
export function bodyCutNote(where: 'request' | 'response', length: number, kept: number): string {
  return `${where} body is ${count(length)} characters long, over the ${kept / 1024 / 1024} MiB limit: kept its first ${count(kept)}, marked truncated`;
}

/** The note of an entry kept with cuts, from the parts above. */
export function keptWithCuts(index: number, cuts: readonly string[]): SkippedEntry {
  return { index, reason: `kept, cut to size: ${cuts.join('; ')}`, kept: true };
}

function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Own properties only: an inherited or `__proto__`-smuggled value (polluted prototype, crafted object) is not data. */
export function own(record: Rec, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
