/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) to and from exchanges, the module importers use:
 * `parseHar` reads leniently (`har-read.ts`, with the readers of an entry's untrusted fields in `har-fields.ts`),
 * `toHar` writes losslessly (`har-write.ts`), so `parseHar(toHar(x))` deep-equals `x`; the document's shape and
 * the `_stepupInspector` extension are in `har-format.ts`.
 */
export type * from './har-format.ts';
export { MAX_BODY_PAYLOAD_LENGTH } from './har-fields.ts';
export {
  createHarEntryReader,
  MAX_HAR_ENTRIES,
  MAX_HAR_TEXT_LENGTH,
  parseHar,
  type HarEntryReader,
  type HarErrorCode,
  type HarParseOptions,
  type HarParseResult,
} from './har-read.ts';
export { DEFAULT_HAR_CREATOR, toHar } from './har-write.ts';
