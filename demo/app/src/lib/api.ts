import { DemoApiError } from './activity.ts';
import { sessionApiBase } from './config.ts';

/** Body of a successful `POST /api/transfer`. */
export interface TransferResult {
  transfer_id: string;
  amount: number;
}

interface ErrorBody {
  code?: unknown;
  message?: unknown;
}

async function send<T>(url: string, init: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's HTML error page, say): the status alone describes the failure.
  }
  if (!response.ok) {
    const err = (body ?? {}) as ErrorBody;
    throw new DemoApiError(
      typeof err.message === 'string' ? err.message : `HTTP ${response.status}`,
      response.status,
      typeof err.code === 'string' ? err.code : `http_${response.status}`,
      response.headers.get('WWW-Authenticate') ?? undefined,
    );
  }
  return body as T;
}

/** The demo backend's protected API: needs an access token carrying `transfer:write` (single-use). */
export function postTransfer(accessToken: string, amount: number): Promise<TransferResult> {
  return send<TransferResult>('/api/transfer', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ amount }),
  });
}

/**
 * Asks the demo backend to confirm the custom `kyc_review` step: it returns the RS256 verification
 * token that `continueStepUp` forwards to Prelude.
 */
export async function completeKycReview(challengeToken: string, accessToken: string): Promise<string> {
  const body = await send<{ verification_token: string }>('/api/kyc/complete', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ challenge_token: challengeToken }),
  });
  return body.verification_token;
}

/**
 * `POST /me/password/reset` on the Session API. `@prelude.so/js-sdk@0.6.0` has no `resetPassword`
 * (newer SDKs do), so the page makes the call itself the way the native SDKs do: Bearer access token,
 * `{password}` body. The server consumes the single-use `prld:pwd:write` grant on success.
 */
export async function resetPassword(accessToken: string, password: string): Promise<void> {
  await send<unknown>(`${sessionApiBase}/me/password/reset`, {
    method: 'POST',
    mode: 'cors',
    credentials: 'include',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      Authorization: `Bearer ${accessToken}`,
    },
    body: JSON.stringify({ password }),
  });
}
