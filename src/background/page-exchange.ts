/**
 * Validation of what the page hook reported. The inspected page runs in the same world as the hook and
 * can post anything with the hook's tag, so this is hostile input: validated field by field, size-limited,
 * marked page-reported, and never able to claim another source or the inspector's own initiator.
 */
import type { HttpExchange } from '../core/http/exchange.ts';
import { toExchange } from '../core/http/log-file.ts';

export function sanitisePageExchange(value: unknown): Omit<HttpExchange, 'id'> | string {
  if (typeof value !== 'object' || value === null) return 'page exchange is not an object';
  // toExchange wants an id and sources; the page supplies neither (and any it sends are overwritten).
  const checked = toExchange({ ...(value as Record<string, unknown>), id: 'page', sources: ['page-hook'] });
  if (typeof checked === 'string') return checked;
  const { id: _id, initiator: _initiator, ...rest } = checked;
  return { ...rest, sources: ['page-hook'], initiator: 'page', pageReported: true };
}
