/**
 * Turns the webRequest life cycle (before → sendHeaders → completed | error) into exchanges. Partial
 * requests of the step-up APIs are written to session storage as they progress: Chrome may stop the worker
 * between onBeforeRequest and onCompleted of a slow request, and the next event then finds its start there.
 */
import type { Body, Header, HttpExchange } from '../core/http/exchange.ts';
import { isStepUpApiUrl, isStepUpRelatedHeaders } from '../core/capture/relevance.ts';
import { storageKeys } from '../shared/messages.ts';
import type { WebRequestEvent, WrHeader } from '../platform/web-request.ts';
import type { Capture, KeyValueStore } from './capture-store.ts';

interface Partial {
  tabId: number;
  method: string;
  url: string;
  startedAt: number;
  requestBody: Body;
  requestHeaders: Header[];
  /** Persisted once known to be relevant (API path, or a bearer token / DPoP on the request). */
  relevant: boolean;
  /** Written to storage at least once (so there is a `wr:` key to remove). */
  stored?: boolean;
}

function toHeaders(list: WrHeader[]): Header[] {
  return list.map((h) => ({
    name: h.name,
    value: h.value ?? (h.binaryValue ? String.fromCharCode(...h.binaryValue) : ''),
  }));
}

function toBody(body: Extract<WebRequestEvent, { kind: 'before' }>['body']): Body {
  if (!body) return { kind: 'absent' };
  if (body.text !== undefined) return { kind: 'text', text: body.text };
  if (body.base64 !== undefined) return { kind: 'base64', base64: body.base64 };
  if (body.form)
    return {
      kind: 'text',
      text: new URLSearchParams(
        Object.entries(body.form).flatMap(([k, vs]) => vs.map((v) => [k, v])),
      ).toString(),
      mimeType: 'application/x-www-form-urlencoded',
    };
  return { kind: 'absent' };
}

export class WebRequestCapture {
  private readonly partials = new Map<string, Partial>();

  constructor(
    private readonly storage: KeyValueStore,
    private readonly emit: (tabId: number, capture: Capture) => Promise<unknown>,
  ) {}

  private async load(requestId: string): Promise<Partial | undefined> {
    const inMemory = this.partials.get(requestId);
    if (inMemory) return inMemory;
    const key = storageKeys.pending(requestId);
    const stored = (await this.storage.get(key))[key] as Partial | undefined;
    if (stored) this.partials.set(requestId, stored);
    return stored;
  }

  private async persist(requestId: string, partial: Partial): Promise<void> {
    this.partials.set(requestId, partial);
    if (!partial.relevant) return;
    partial.stored = true;
    await this.storage.set({ [storageKeys.pending(requestId)]: partial });
  }

  private async forget(requestId: string, partial: Partial): Promise<void> {
    this.partials.delete(requestId);
    // Irrelevant requests were never written: no storage round trip for them.
    if (partial.stored) await this.storage.remove(storageKeys.pending(requestId));
  }

  /** Handles one webRequest event. Requests not made by a tab (tabId -1) are not the inspected page's. */
  async handle(event: WebRequestEvent): Promise<void> {
    if (event.tabId < 0) return;
    switch (event.kind) {
      case 'before': {
        // The extension's own requests (replays) are recorded by whoever sent them, not here.
        if (event.url.startsWith('chrome-extension:')) return;
        const partial: Partial = {
          tabId: event.tabId,
          method: event.method,
          url: event.url,
          startedAt: event.timeStamp,
          requestBody: toBody(event.body),
          requestHeaders: [],
          relevant: isStepUpApiUrl(event.url),
        };
        await this.persist(event.requestId, partial);
        return;
      }
      case 'sendHeaders': {
        const partial = await this.load(event.requestId);
        if (!partial) return;
        partial.requestHeaders = toHeaders(event.headers);
        if (!partial.relevant) {
          const names = partial.requestHeaders.map((h) => h.name.toLowerCase());
          const auth = partial.requestHeaders.find((h) => h.name.toLowerCase() === 'authorization')?.value;
          partial.relevant = isStepUpRelatedHeaders(names, auth, undefined);
        }
        await this.persist(event.requestId, partial);
        return;
      }
      case 'completed':
      case 'error': {
        const partial = await this.load(event.requestId);
        if (!partial) return;
        const responseHeaders = event.kind === 'completed' ? toHeaders(event.headers) : [];
        if (!partial.relevant) {
          const www = responseHeaders.find((h) => h.name.toLowerCase() === 'www-authenticate')?.value;
          if (!isStepUpRelatedHeaders([], undefined, www)) {
            await this.forget(event.requestId, partial);
            return;
          }
        }
        const capture: Omit<HttpExchange, 'id'> = {
          method: partial.method,
          url: partial.url,
          requestHeaders: partial.requestHeaders,
          requestBody: partial.requestBody,
          status: event.kind === 'completed' ? event.status : 0,
          responseHeaders,
          responseBody: { kind: 'absent' },
          startedAt: partial.startedAt,
          endedAt: event.timeStamp,
          sources: ['webrequest'],
          initiator: 'page',
        };
        if (event.kind === 'completed' && event.statusLine) {
          const text = event.statusLine.replace(/^HTTP\/\S+\s+\d+\s*/, '');
          if (text) capture.statusText = text;
        }
        if (event.kind === 'error') capture.error = event.error;
        // Written to the log before the pending entry goes: a worker stopped in between then leaves a stale
        // `wr:` key behind (the request never completes again), never a lost exchange.
        await this.emit(partial.tabId, capture);
        await this.forget(event.requestId, partial);
        return;
      }
    }
  }
}
