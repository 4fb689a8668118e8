/**
 * Validation of what the page hook reported. The inspected page runs in the same world as the hook and
 * can post anything with the hook's tag, so this is hostile input: validated field by field, size-limited,
 * marked page-reported, and never able to claim another source or the inspector's own initiator.
 */
import type { Header, HttpExchange } from '../core/http/exchange.ts';
import { MAX_HEADER_VALUE_LENGTH } from '../core/http/guards.ts';
import { toExchange } from '../core/http/log-file.ts';

export function sanitisePageExchange(value: unknown): Omit<HttpExchange, 'id'> | string {
  if (typeof value !== 'object' || value === null) return 'page exchange is not an object';
  // toExchange wants an id and sources; the page supplies neither (and any it sends are overwritten).
  const checked = toExchange({ ...(value as Record<string, unknown>), id: 'page', sources: ['page-hook'] });
  if (typeof checked === 'string') return checked;
  const { id: _id, initiator: _initiator, ...rest } = checked;
  return {
    ...rest,
    requestHeaders: rest.requestHeaders.map(honestCut),
    responseHeaders: rest.responseHeaders.map(honestCut),
    sources: ['page-hook'],
    initiator: 'page',
    pageReported: true,
  };
}

/**
 * A header marked cut to size is not checked by the analysis; a page could mark a proof that way to hide what is
 * wrong with it. Only a value that really reached the limit (toExchange cut it) keeps the mark.
 */
function honestCut(header: Header): Header {
  if (header.truncated !== true || header.value.length >= MAX_HEADER_VALUE_LENGTH) return header;
  const { truncated: _truncated, ...rest } = header;
  return rest;
}
