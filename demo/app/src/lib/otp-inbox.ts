import { useEffect, useRef } from 'preact/hooks';
import { config } from './config.ts';
import { DYNAMIC_API_HOST } from '../../../dynamic/config.ts';
import { createStore } from './store.ts';

/** A message from the emulator's fake SMS/e-mail outbox (`GET /__emulator/inbox`). */
export interface InboxMessage {
  at: number;
  to: string;
  channel: 'sms' | 'email';
  code: string;
  purpose: 'login' | 'stepup';
  challengeId?: string;
  /** Which emulator sent it: Prelude (SMS/e-mail) or Dynamic (e-mail; `challengeId` is its verificationUUID). */
  source?: 'prelude' | 'dynamic';
}

/** Inbox state: `unavailable` when the API is a real Prelude host (no `/__emulator`). */
export interface InboxState {
  messages: InboxMessage[];
  status: 'loading' | 'ok' | 'unavailable';
}

export const inbox = createStore<InboxState>({ messages: [], status: 'loading' });

function isMessage(value: unknown): value is InboxMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m['to'] === 'string' && typeof m['code'] === 'string';
}

/** Accepts `[...]` and `{messages: [...]}` bodies. */
function parseInbox(body: unknown): InboxMessage[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && Array.isArray((body as { messages?: unknown }).messages)
      ? (body as { messages: unknown[] }).messages
      : [];
  return list.filter(isMessage);
}

/** A Dynamic emulator message (`GET https://app.dynamicauth.com/__dynamic/inbox`) as an inbox message. */
function fromDynamic(value: unknown): InboxMessage | null {
  if (!isMessage(value)) return null;
  const m = value as InboxMessage & { verificationUUID?: unknown };
  const message: InboxMessage = {
    at: m.at,
    to: m.to,
    channel: 'email',
    code: m.code,
    purpose: m.purpose === 'login' ? 'login' : 'stepup',
    source: 'dynamic',
  };
  if (typeof m.verificationUUID === 'string') message.challengeId = m.verificationUUID;
  return message;
}

/**
 * Polls the inboxes once a second while the tab is visible: the Prelude emulator's, and the Dynamic emulator's
 * (retried every 10 s when it does not answer). Returns a stop function.
 */
export function startInboxPolling(intervalMs = 1000): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = `https://${config.domain}/__emulator/inbox`;
  const dynamicUrl = `https://${DYNAMIC_API_HOST}/__dynamic/inbox`;
  let prelude: InboxMessage[] = [];
  let dynamic: InboxMessage[] = [];
  let preludeStatus: InboxState['status'] = 'loading';
  let dynamicRetryAt = 0;
  const publish = (): void => {
    const messages = [...prelude, ...dynamic];
    const prev = inbox.get();
    // Skip no-op updates so the list does not re-render every second.
    if (prev.status !== preludeStatus || JSON.stringify(prev.messages) !== JSON.stringify(messages)) {
      inbox.set({ messages, status: preludeStatus });
    }
  };
  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (document.visibilityState === 'visible') {
      const polls: Promise<void>[] = [
        (async () => {
          try {
            const response = await fetch(url, { cache: 'no-store' });
            if (!response.ok) throw new Error(String(response.status));
            prelude = parseInbox(await response.json()).map((m) => ({ ...m, source: 'prelude' as const }));
            preludeStatus = 'ok';
          } catch {
            prelude = [];
            preludeStatus = 'unavailable';
          }
        })(),
      ];
      if (Date.now() >= dynamicRetryAt) {
        polls.push(
          (async () => {
            try {
              const response = await fetch(dynamicUrl, { cache: 'no-store' });
              if (!response.ok) throw new Error(String(response.status));
              const body: unknown = await response.json();
              dynamic = (Array.isArray(body) ? body : [])
                .map(fromDynamic)
                .filter((m): m is InboxMessage => m !== null);
            } catch {
              dynamic = [];
              dynamicRetryAt = Date.now() + 10_000;
            }
          })(),
        );
      }
      await Promise.all(polls);
      publish();
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** An input waiting for an OTP code: the inbox's "Use this code" button fills it. */
export interface OtpTarget {
  key: string;
  purpose: 'login' | 'stepup';
  challengeId?: string;
  label: string;
  fill(code: string): void;
}

/** Active targets, most recently activated last. */
export const otpTargets = createStore<OtpTarget[]>([]);

/** Picks the input a message belongs to: same challenge first, else the newest input of that purpose. */
export function targetFor(message: InboxMessage, targets: OtpTarget[]): OtpTarget | undefined {
  const candidates = targets.filter((t) => t.purpose === message.purpose);
  return (
    (message.challengeId ? candidates.find((t) => t.challengeId === message.challengeId) : undefined) ??
    candidates[candidates.length - 1]
  );
}

/** Registers an OTP input while `active`. */
export function useOtpTarget(
  active: boolean,
  spec: Omit<OtpTarget, 'fill'>,
  fill: (code: string) => void,
): void {
  const fillRef = useRef(fill);
  fillRef.current = fill;
  const { key, purpose, challengeId, label } = spec;
  useEffect(() => {
    if (!active) return undefined;
    const target: OtpTarget = { key, purpose, label, fill: (code) => fillRef.current(code) };
    if (challengeId) target.challengeId = challengeId;
    otpTargets.set((list) => [...list.filter((t) => t.key !== key), target]);
    return () => otpTargets.set((list) => list.filter((t) => t !== target));
  }, [active, key, purpose, challengeId, label]);
}
