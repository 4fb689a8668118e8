/**
 * When the panel's action buttons (replay /otp, retry /otp, replay a request verbatim) are enabled, and why not
 * when they are not. Pure: the panel calls these on every render with the current model and clock, and shows
 * the reason as the disabled button's tooltip. The OTP actions are decided by the challenge's provider (otp.ts);
 * the verbatim replay is the same for every request.
 */
import type { HttpExchange } from '../http/exchange.ts';
import { disabled, type ActionAvailability } from './availability.ts';

export {
  apiBaseOf,
  type ActionAvailability,
  type OtpReplayAvailability as OtpActionAvailability,
  type OtpRetryAvailability,
} from './availability.ts';
export { canReplayOtp, canRetryOtp, otpActionsFor } from './otp.ts';

/** Methods `fetch` refuses to send (Fetch standard, "forbidden method"). */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * Whether a captured request can be re-sent byte for byte from the page (the replay-protection test). Exchanges
 * the inspector sent itself may be replayed too. Disabled for URLs fetch cannot send from a page (not
 * http(s), or with credentials in the URL), for methods fetch refuses, and for a request body that was cut
 * when captured (the replay would not be the same request).
 */
export function canReplayVerbatim(exchange: HttpExchange): ActionAvailability {
  if (typeof exchange?.url !== 'string' || !URL.canParse(exchange.url)) {
    return disabled('The request URL is not an absolute URL.');
  }
  const url = new URL(exchange.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return disabled(`Only http(s) requests can be replayed; this one is ${url.protocol.replace(/:$/, '')}.`);
  }
  if (url.username !== '' || url.password !== '') {
    return disabled('The URL carries a user name or password, which fetch refuses to send.');
  }
  if (typeof exchange.method !== 'string' || FORBIDDEN_METHODS.has(exchange.method.toUpperCase())) {
    return disabled(`fetch cannot send a ${String(exchange.method)} request.`);
  }
  const body = exchange.requestBody;
  if (body?.kind !== 'absent' && body?.truncated === true) {
    return disabled(
      'The request body was cut off when captured, so the replay would not be the same request.',
    );
  }
  if (
    (exchange.method === 'GET' || exchange.method === 'HEAD') &&
    body?.kind !== 'absent' &&
    bodyLength(body) > 0
  ) {
    return disabled(`fetch cannot send a ${exchange.method} request with a body.`);
  }
  return { enabled: true };
}

function bodyLength(body: HttpExchange['requestBody']): number {
  if (body.kind === 'text') return body.text.length;
  if (body.kind === 'base64') return body.base64.length;
  return 0;
}
