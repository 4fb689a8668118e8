import { decode } from '@prelude.so/js-sdk';
import { client, config } from './config.ts';
import { recordToken, type FlowId } from './activity.ts';
import { createStore } from './store.ts';

/** The signed-in user as the page knows it, from the SDK's decoded access token. */
export interface SessionUser {
  sub: string;
  sid: string;
  scopes: string[];
  exp?: number;
  /** How the user signed in, for display only. */
  identifier?: string;
}

/** `null` while signed out. */
export const session = createStore<SessionUser | null>(null);

/** Splits the space-separated `scope` claim. */
export function scopesOf(claims: Record<string, unknown>): string[] {
  const scope = claims['scope'];
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/**
 * Calls the SDK's `refresh()` and records the decoded token.
 * `force` first invalidates the SDK's cached access token: otherwise `refresh()` returns the cached one
 * without any network call while it is still valid.
 */
export async function refreshSession(flow: FlowId, reason: string, force = false): Promise<SessionUser> {
  if (force) await client.invalidateCache();
  const { user } = await client.refresh();
  const { claims } = decode(user.accessToken);
  const next: SessionUser = {
    sub: String(claims.sub ?? ''),
    sid: String(claims.sid ?? ''),
    scopes: scopesOf(claims),
    ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
  };
  const identifier = session.get()?.identifier;
  if (identifier) next.identifier = identifier;
  recordToken(flow, reason, next);
  session.set(next);
  return next;
}

/** Remembers how the user signed in (shown in the session panel). */
export function setIdentifier(identifier: string): void {
  session.set((s) => (s ? { ...s, identifier } : s));
}

/** The current access token (from the SDK cache), for calls the demo makes itself. */
export async function currentAccessToken(): Promise<string> {
  const { user } = await client.refresh();
  return user.accessToken;
}

/**
 * Restores a session after a reload. Only tried when the SDK has cached an access token: on a fresh
 * profile a `refresh()` would just send a failing `/refresh` and clutter the recorded traffic.
 */
export async function restoreSession(): Promise<void> {
  if (localStorage.getItem(`__preludejs__::${config.domain}`) === null) return;
  try {
    await refreshSession('session', 'page load');
  } catch {
    session.set(null);
  }
}
