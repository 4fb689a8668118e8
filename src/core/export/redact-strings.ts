/**
 * The redactor's judgement of single strings: which names hold secrets, which values look like credentials,
 * and how tokens, URLs, parameter lists and free text are rewritten. `redact.ts` applies it to exchanges,
 * `redact-body.ts` to bodies. Everything here is pure and total: it never throws for any string.
 */
import { base64url } from 'jose';
import { PROVIDER_SECRETS } from '../providers/registry.ts';
import { decodeCompactJws } from '../tokens/decode.ts';
import { REDACTED_SIGNATURE } from '../tokens/types.ts';
import { isRecord, PRIVATE_JWK_MEMBERS } from '../util.ts';

/** Replacement for values whose every character is secret (OTP codes, passwords, private key members). */
export const REDACTED = 'REDACTED';

/** Options of the redaction. Not redacting at all means not calling it. */
export interface RedactOptions {
  /**
   * Keep JWS signatures (for a log that must still verify against a JWKS). Token payloads are then left
   * whole, identifier claims included, because changing a payload would break the signature this option keeps.
   */
  keepSignatures?: boolean;
  /** Keep phone numbers and e-mail addresses readable. */
  keepIdentifiers?: boolean;
}

/** What kinds of values a redaction replaced. */
export type RedactionCategory =
  | 'signatures'
  | 'otpCodes'
  | 'passwords'
  | 'refreshTokens'
  | 'cookies'
  | 'credentials'
  | 'identifiers'
  | 'privateKeys';

/** Counts of replaced values, for the export dialog ("12 token signatures, 2 OTP codes, …"). */
export interface RedactionSummary extends Record<RedactionCategory, number> {
  /** Exchanges with at least one replaced value or dropped body. */
  exchanges: number;
  /**
   * Bodies the redactor could not read completely (not UTF-8, binary, truncated, a multipart it cannot walk,
   * malformed): each was dropped whole and replaced by a note of its type and size, never written raw.
   */
  droppedBodies: number;
}

/** State shared by one redaction run: options, counts and the marker of every secret seen so far. */
export interface RedactContext {
  options: Required<RedactOptions>;
  summary: RedactionSummary;
  pseudonyms: Map<string, string>;
  counter: number;
}

/** Markers made by {@link pseudonym}: `REDACTED-<label>-<n>`. */
export type MarkerLabel = 'refresh-token' | 'cookie' | 'token';
const MARKER = /^REDACTED(?:-(?:refresh-token|cookie|token)-\d+)?$/;
export const MARKER_NUMBERS = /REDACTED-(?:refresh-token|cookie|token)-(\d+)/g;
const BULLET = '•';

export function newRedactContext(options: RedactOptions | undefined, firstMarker: number): RedactContext {
  return {
    options: {
      keepSignatures: options?.keepSignatures === true,
      keepIdentifiers: options?.keepIdentifiers === true,
    },
    summary: {
      exchanges: 0,
      droppedBodies: 0,
      signatures: 0,
      otpCodes: 0,
      passwords: 0,
      refreshTokens: 0,
      cookies: 0,
      credentials: 0,
      identifiers: 0,
      privateKeys: 0,
    },
    pseudonyms: new Map(),
    counter: firstMarker,
  };
}

export function isMarker(value: string): boolean {
  return MARKER.test(value);
}

/** A stable stand-in for a secret: the same value gets the same marker within one redaction. */
export function pseudonym(value: string, label: MarkerLabel, context: RedactContext): string {
  if (value === '' || MARKER.test(value)) return value;
  let marker = context.pseudonyms.get(value);
  if (marker === undefined) {
    context.counter += 1;
    marker = `REDACTED-${label}-${context.counter}`;
    context.pseudonyms.set(value, marker);
  }
  return marker;
}

/** Counts a replacement in `category` when `after` differs from `before`, and returns `after`. */
export function count(
  context: RedactContext,
  category: RedactionCategory,
  before: string,
  after: string,
): string {
  if (before !== after) context.summary[category] += 1;
  return after;
}

// ---------------------------------------------------------------------------------------------------------------
// Names

/** What a name (JSON key, parameter, header, form field) says about the value under it. */
export type SecretKind = 'password' | 'otp' | 'refresh' | 'token' | 'identifier' | 'record-id';

/** Where a name was found: `code` is an OTP or authorization code everywhere but in a response's JSON. */
export type NamePlace = 'request-json' | 'response-json' | 'param' | 'header';

/** Case and separators do not matter: `one_time_code`, `oneTimeCode` and `One-Time-Code` are one name. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const GENERIC_OTP = [
  'otp',
  'otpcode',
  'onetimecode',
  'onetimepassword',
  'onetimepasscode',
  'pin',
  'pincode',
  'passcode',
  'verificationcode',
  'totp',
  'totpcode',
  'mfacode',
  'smscode',
  'emailcode',
  'securitycode',
  'confirmationcode',
  'authcode',
  'authenticationcode',
  'twofactorcode',
  '2facode',
  'recoverycode',
  'backupcode',
];
const GENERIC_TOKEN = [
  'authorization',
  'proxyauthorization',
  'dpop',
  'session',
  'sessiontoken',
  'sessionkey',
];
const GENERIC_IDENTIFIER = [
  'email',
  'emailaddress',
  'phone',
  'phonenumber',
  'mobile',
  'msisdn',
  'identifier',
  'username',
  'loginhint',
];

function namesOf(pick: (secrets: (typeof PROVIDER_SECRETS)[number]) => readonly string[]): string[] {
  return PROVIDER_SECRETS.flatMap((secrets) => pick(secrets).map(normaliseName));
}

/** Exact names, provider-declared first: they decide even where a generic rule below would keep a value. */
const EXACT = new Map<string, SecretKind>();
for (const [kind, names] of [
  ['identifier', [...GENERIC_IDENTIFIER, ...namesOf((s) => s.identifierKeys)]],
  ['token', [...GENERIC_TOKEN, ...namesOf((s) => s.tokenKeys)]],
  ['refresh', namesOf((s) => s.refreshKeys)],
  ['password', namesOf((s) => s.passwordKeys)],
  ['otp', [...GENERIC_OTP, ...namesOf((s) => s.otpKeys)]],
] as const) {
  for (const name of names) EXACT.set(name, kind);
}

/**
 * Names that describe a secret without being one: `refresh_token_expires_at`, `token_type`, `client_secret_expires_at`,
 * `verificationUUID`. Their values go through the value rules like any other.
 */
const DESCRIPTIVE_SUFFIX =
  /(?:expiresat|expiresin|expiry|expiration|expirationduration|issuedat|ttl|lifetime|maxage|type|types|length|count|method|methods|endpoint|uri|url|supported|format|status|required|enabled|id|ids|uuid|scope|scopes|hint|name|names)$/;

/** What the name `name` says of its value, or undefined when it says nothing (the value decides). */
export function secretKindOf(name: string, place: NamePlace): SecretKind | undefined {
  const key = normaliseName(name);
  if (key === '') return undefined;
  if (key === 'code' && place === 'response-json') return undefined;
  const exact = EXACT.get(key);
  if (exact !== undefined) return exact;
  // Ids of records (`challenge_id`, `verificationUUID`, `dispatch_id`) are what a reader correlates by, and
  // random-looking by design; a session id is the exception, as some APIs make it the bearer credential.
  if (/(?:id|ids|uuid)$/.test(key) && !/session|secret|token|key|password/.test(key)) return 'record-id';
  if (DESCRIPTIVE_SUFFIX.test(key)) return undefined;
  if (/password|passwd|passphrase|secret|privatekey|apikey|codeverifier/.test(key)) return 'password';
  if (key.includes('refresh') && key.includes('token')) return 'refresh';
  if (/token|jwt|bearer|assertion|signature|csrf|xsrf|credential|apikey|authkey|auth$/.test(key))
    return 'token';
  if (/otp|passcode|pincode|onetimecode/.test(key)) return 'otp';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Values

const WORD = /^(?:[a-z]+(?:[A-Z][a-z]+)*|(?:[A-Z][a-z]+)+|[A-Z]{1,8}s?|[a-z]*\d{1,4}|v\d+(?:\.\d+)*|)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a run of token characters (no spaces) looks like a credential: at least 16 characters, letters and
 * digits or capitals mixed the way random base64, base32 and hex are (the character class changes at a high
 * rate), not the way words, paths, host names, dates and identifiers-in-camelCase are. UUIDs are identifiers
 * here (APIs put environment and verification ids in paths and bodies); under a secret name they are
 * replaced all the same.
 */
export function isCredentialShaped(run: string): boolean {
  const core = run.replace(/=+$/, '');
  if (core.length < 16 || UUID.test(core)) return false;
  // Names and codes made of words: `X-Refresh-Token-Expires-At`, `elevatedAccessToken`, `REDACTED-token-3`.
  if (core.split(/[-_.:/]+/).every((part) => WORD.test(part))) return false;
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let changes = 0;
  let previous = -1;
  for (let i = 0; i < core.length; i += 1) {
    const c = core.charCodeAt(i);
    let cls: number;
    if (c >= 0x61 && c <= 0x7a) {
      lower += 1;
      cls = 0;
    } else if (c >= 0x41 && c <= 0x5a) {
      upper += 1;
      cls = 1;
    } else if (c >= 0x30 && c <= 0x39) {
      digit += 1;
      cls = 2;
    } else cls = 3;
    if (previous !== -1 && cls !== previous) changes += 1;
    previous = cls;
  }
  const letters = lower + upper;
  const alnum = letters + digit;
  if (digit + upper < 2 || letters === 0) return false;
  // Dates, times and version numbers: mostly digits with a letter or two.
  if (letters < alnum / 4) return false;
  return changes / (core.length - 1) >= 0.3;
}

/** The header of a JWS or JWE: base64url that decodes to a JSON object naming an algorithm. */
function joseHeader(segment: string): Record<string, unknown> | undefined {
  if (segment.length < 10 || !/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  try {
    const header: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(segment)));
    return isRecord(header) && typeof header['alg'] === 'string' ? header : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `raw` is a compact JWS that decodes, or a JWE with a readable protected header. */
export function isJose(raw: string): boolean {
  const parts = raw.split('.');
  if (parts.length === 5) return typeof joseHeader(parts[0] ?? '')?.['enc'] === 'string';
  return parts.length === 3 && decodeCompactJws(raw).ok;
}

/** Whether a base64url segment decodes to a JSON object (a JOSE header or a claims set). */
function jsonObjectSegment(segment: string): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) return false;
  try {
    return isRecord(JSON.parse(new TextDecoder().decode(base64url.decode(segment))));
  } catch {
    return false;
  }
}

/**
 * The redacted form of a compact JWS (header and claims kept, identifier claims masked, signature replaced by
 * {@link REDACTED_SIGNATURE}, a private key in a `jwk` header masked) or JWE (protected header kept, key, IV,
 * ciphertext and tag replaced), or undefined when `raw` is neither.
 */
export function redactJose(raw: string, context: RedactContext): string | undefined {
  const parts = raw.split('.');
  if (parts.length === 5) {
    const header = joseHeader(parts[0] ?? '');
    if (header === undefined || typeof header['enc'] !== 'string') return undefined;
    const rest = parts.slice(1).map((part) => (part === '' ? '' : REDACTED_SIGNATURE));
    const redacted = [parts[0], ...rest].join('.');
    return count(context, 'credentials', raw, redacted);
  }
  if (parts.length !== 3) return undefined;
  const decoded = decodeCompactJws(raw);
  if (!decoded.ok) return undefined;
  if (context.options.keepSignatures) return raw;
  const [headerSegment = '', payloadSegment = '', signature = ''] = parts;

  let header = headerSegment;
  const jwk = decoded.header['jwk'];
  if (isRecord(jwk) && PRIVATE_JWK_MEMBERS.some((m) => jwk[m] !== undefined && jwk[m] !== REDACTED)) {
    const cleaned: Record<string, unknown> = { ...jwk };
    for (const member of PRIVATE_JWK_MEMBERS) {
      if (cleaned[member] !== undefined && cleaned[member] !== REDACTED) {
        cleaned[member] = REDACTED;
        context.summary.privateKeys += 1;
      }
    }
    header = base64url.encode(JSON.stringify({ ...decoded.header, jwk: cleaned }));
  }

  let payload = payloadSegment;
  if (!context.options.keepIdentifiers) {
    const masked = maskClaims(decoded.claims, [], context);
    if (masked !== decoded.claims) payload = base64url.encode(JSON.stringify(masked));
  }
  const newSignature = signature === '' ? '' : REDACTED_SIGNATURE;
  if (newSignature !== signature) context.summary.signatures += 1;
  return `${header}.${payload}.${newSignature}`;
}

/**
 * A value under a token name: a JWS or JWE keeps what {@link redactJose} keeps; a three-part value that does
 * not decode as one keeps only the parts that are readable JSON (a header or claims, as for a JWS), so it
 * still fails to decode the way it did, and every other part is replaced (an opaque token such as
 * `gho_x.y.z` keeps nothing); anything else is a credential replaced by a marker.
 */
export function redactTokenValue(
  value: string,
  context: RedactContext,
  label: MarkerLabel = 'token',
): string {
  if (value === '' || MARKER.test(value)) return value;
  const trimmed = value.trim();
  const jose = redactJose(trimmed, context);
  if (jose !== undefined) return value.replace(trimmed, jose);
  const parts = trimmed.split('.');
  if (parts.length === 3 && /^[A-Za-z0-9_.-]+$/.test(trimmed) && !context.options.keepSignatures) {
    const [header = '', payload = '', signature = ''] = parts;
    const kept = (part: string): string =>
      part === '' || MARKER.test(part) || jsonObjectSegment(part) ? part : pseudonym(part, label, context);
    const last = signature === '' || signature === REDACTED_SIGNATURE ? signature : REDACTED_SIGNATURE;
    const redacted = `${kept(header)}.${kept(payload)}.${last}`;
    return count(context, last === signature ? 'credentials' : 'signatures', value, redacted);
  }
  const category =
    label === 'refresh-token' ? 'refreshTokens' : label === 'cookie' ? 'cookies' : 'credentials';
  return count(context, category, value, pseudonym(value, label, context));
}

/** Applies the rule of a secret name to its value. */
export function redactByKind(value: string, kind: SecretKind, context: RedactContext): string {
  if (value === '' || value === REDACTED) return value;
  switch (kind) {
    case 'password':
      return count(context, 'passwords', value, REDACTED);
    case 'otp':
      // Some APIs call a token what is the user's code (a `verificationToken` holding an OTP), and some a code
      // what is a token: a JWS is kept readable either way.
      if (isJose(value.trim())) return redactTokenValue(value, context);
      return count(context, 'otpCodes', value, REDACTED);
    case 'refresh':
      return redactTokenValue(value, context, 'refresh-token');
    case 'token':
      return redactTokenValue(value, context);
    case 'identifier':
      return context.options.keepIdentifiers
        ? value
        : count(context, 'identifiers', value, maskIdentifier(value));
    case 'record-id': {
      const jose = redactJose(value.trim(), context);
      return jose === undefined ? value : value.replace(value.trim(), jose);
    }
  }
}

/**
 * Masks a phone number or e-mail address to a hint: `+14155550134` → `+1415•••••34`, `ada@demo.test` →
 * `a••@demo.test`, anything else → first character and `•••`. Values already masked (holding `•`) and empty
 * values are returned unchanged.
 */
export function maskIdentifier(value: string): string {
  if (typeof value !== 'string' || value === '' || value.includes(BULLET)) return value;
  const at = value.lastIndexOf('@');
  if (at > 0 && at < value.length - 1) return `${firstChar(value)}${BULLET}${BULLET}${value.slice(at)}`;
  const digits = value.replace(/\D/g, '').length;
  if (digits >= 4 && /^[+\d\s().-]+$/.test(value)) {
    // Keep the country and area code (up to 4 digits) of long numbers and the last 2 digits of all.
    const keepHead = digits >= 8 ? 4 : 0;
    let seen = 0;
    let masked = '';
    for (const ch of value) {
      if (ch >= '0' && ch <= '9') {
        masked += seen < keepHead || seen >= digits - 2 ? ch : BULLET;
        seen += 1;
      } else masked += ch;
    }
    return masked;
  }
  return `${firstChar(value)}${BULLET}${BULLET}${BULLET}`;
}

function firstChar(value: string): string {
  const code = value.codePointAt(0) ?? 0x2022;
  // A lone surrogate is not a character: show the bullet instead of half a pair.
  return code >= 0xd800 && code <= 0xdfff ? BULLET : String.fromCodePoint(code);
}

/**
 * Masks identifier claims of a token payload (e-mail and phone claims, `identifier`, `identifiers`), leaving
 * every other claim as it is: the analysis keys on `sub`, `sid`, `jti` and friends. Returns the same object when
 * nothing changed, so the payload is re-encoded only when it must be.
 */
function maskClaims(value: unknown, path: readonly string[], context: RedactContext): unknown {
  if (typeof value === 'string') {
    return identifierPath(path) ? count(context, 'identifiers', value, maskIdentifier(value)) : value;
  }
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const next = maskClaims(item, path, context);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? items : value;
  }
  if (isRecord(value)) {
    let changed = false;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const next = maskClaims(item, [...path, key], context);
      if (next !== item) changed = true;
      // Own data property even for `__proto__`, as JSON.parse made it, so re-encoding keeps it.
      Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
    }
    return changed ? copy : value;
  }
  return value;
}

const CLAIM_IDENTIFIERS = new Set(['email', 'phone_number', 'phonenumber', 'phone', 'identifier']);

/** Whether a claim at `path` names a person. */
function identifierPath(path: readonly string[]): boolean {
  const key = path.at(-1)?.toLowerCase();
  if (key === undefined) return false;
  if (CLAIM_IDENTIFIERS.has(key)) return true;
  if (key === 'value' && path.at(-2)?.toLowerCase() === 'identifier') return true;
  return key !== 'type' && path.some((p) => p.toLowerCase() === 'identifiers');
}

/**
 * What a JSON path says of its string: the rule of its own name, else `identifier.value` and everything under
 * `identifiers` but type names.
 */
export function secretKindOfPath(path: readonly string[], place: NamePlace): SecretKind | undefined {
  const key = path.at(-1);
  if (key === undefined) return undefined;
  const kind = secretKindOf(key, place);
  if (kind !== undefined) return kind;
  const lower = key.toLowerCase();
  if (lower === 'value' && path.at(-2)?.toLowerCase() === 'identifier') return 'identifier';
  if (lower !== 'type' && path.some((p) => p.toLowerCase() === 'identifiers')) return 'identifier';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Free text, URLs and parameters

/** `structured`: a value of a known field (no sentence rules); `text`: prose, a text body, an unknown header. */
export type TextMode = 'structured' | 'text';

const FREE_TEXT = new RegExp(
  [
    String.raw`(?<url>\b[Hh][Tt][Tt][Pp][Ss]?:\/\/[^\s"'<>\\]+)`,
    String.raw`(?<kv>(?<q>["']?)(?<key>[A-Za-z_][\w.-]{0,63})\k<q>(?<sep>[ \t]*[:=][ \t]*)(?<val>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s&;,"'<>]+))`,
    String.raw`(?<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})`,
    String.raw`(?<run>[A-Za-z0-9+/_~=.-]{16,})`,
    String.raw`(?<phone>(?:\+|\(\d)[\d ().-]{6,}\d)`,
    String.raw`(?<digits>(?<![\w:/+•-]|\d\.)\d{4,10}(?![\w:/•-]|\.\d))`,
  ].join('|'),
  'g',
);

/**
 * Redacts free text: URLs (by {@link redactUrl}), `name: value` and `name=value` pairs whose name holds a secret,
 * JWS and JWE anywhere whatever their header looks like, credential-shaped runs, e-mail addresses and phone
 * numbers, and in `text` mode every standalone run of 4 to 10 digits (an OTP in a sentence).
 */
export function redactFreeText(text: string, mode: TextMode, context: RedactContext): string {
  if (text === '') return text;
  return text.replace(FREE_TEXT, (whole: string, ...args: unknown[]) => {
    const groups = args.at(-1) as Record<string, string | undefined>;
    if (groups['url'] !== undefined) return redactUrl(whole, context);
    if (groups['kv'] !== undefined) {
      const key = groups['key'] ?? '';
      const kind = secretKindOf(key, 'param');
      const val = groups['val'] ?? '';
      const head = whole.slice(0, whole.length - val.length);
      if (kind !== undefined) return head + requote(val, (inner) => redactByKind(inner, kind, context));
      return head + requote(val, (inner) => redactValue(inner, mode, context));
    }
    if (groups['email'] !== undefined) {
      return context.options.keepIdentifiers
        ? whole
        : count(context, 'identifiers', whole, maskIdentifier(whole));
    }
    if (groups['run'] !== undefined) return redactRun(whole, context);
    if (groups['phone'] !== undefined) {
      return context.options.keepIdentifiers
        ? whole
        : count(context, 'identifiers', whole, maskIdentifier(whole));
    }
    if (groups['digits'] !== undefined && mode === 'text') return count(context, 'otpCodes', whole, REDACTED);
    return whole;
  });
}

/** Rewrites the inside of a quoted (JSON double or single quotes) or bare value. */
function requote(val: string, rewrite: (inner: string) => string): string {
  if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) {
    let inner: string;
    try {
      inner = JSON.parse(val) as string;
    } catch {
      inner = val.slice(1, -1);
    }
    const next = rewrite(inner);
    return next === inner ? val : JSON.stringify(next);
  }
  if (val.startsWith("'") && val.endsWith("'") && val.length >= 2) {
    const inner = val.slice(1, -1);
    const next = rewrite(inner);
    return next === inner ? val : `'${next}'`;
  }
  return rewrite(val);
}

/** A run of token characters: a JWS/JWE, a credential, or dotted words judged part by part. */
function redactRun(run: string, context: RedactContext): string {
  if (MARKER.test(run)) return run;
  const jose = redactJose(run, context);
  if (jose !== undefined) return jose;
  if (isCredentialShaped(run)) return count(context, 'credentials', run, pseudonym(run, 'token', context));
  // `host.name.with.a.SECRETsegment`, `a/b/c`: judge each part.
  if (/[./]/.test(run)) {
    return run.replace(/[^./]{16,}/g, (part) =>
      isCredentialShaped(part)
        ? count(context, 'credentials', part, pseudonym(part, 'token', context))
        : part,
    );
  }
  return run;
}

/**
 * A value with no secret name over it: a whole JWS/JWE or URL is redacted as such; anything else as free text.
 */
export function redactValue(value: string, mode: TextMode, context: RedactContext): string {
  if (value === '' || MARKER.test(value)) return value;
  const trimmed = value.trim();
  if (!/\s/.test(trimmed)) {
    const jose = redactJose(trimmed, context);
    if (jose !== undefined) return value.replace(trimmed, jose);
    if (/^https?:\/\//i.test(trimmed)) return value.replace(trimmed, redactUrl(trimmed, context));
  }
  // A structured field holding a sentence ("Your code is 123456") is prose.
  const sentence = mode === 'text' || (/\s/.test(trimmed) && /[A-Za-z]/.test(trimmed));
  return redactFreeText(value, sentence ? 'text' : 'structured', context);
}

const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#[\s\S]*)?$/;

/**
 * Redacts a URL: user information is replaced, path segments that are tokens or credentials are replaced, every
 * query and fragment parameter is judged by its name and value, a fragment without parameters as free text.
 * Scheme, host, port and the other path segments are kept: they say which endpoint was called.
 */
export function redactUrl(url: string, context: RedactContext): string {
  const match = URL_PARTS.exec(url);
  if (match === null) return redactFreeText(url, 'structured', context);
  const [, scheme = '', authority = '', path = '', query, fragment] = match;
  let host = authority;
  const at = authority.lastIndexOf('@');
  if (at !== -1)
    host = `${count(context, 'credentials', authority.slice(0, at), REDACTED)}@${authority.slice(at + 1)}`;
  const segments = path
    .split('/')
    .map((segment) => {
      // In a path `+` is itself, not a space as in a query.
      const decoded = decodeComponent(segment, false);
      const next = redactPathSegment(decoded, context);
      return next === decoded ? segment : encodeComponent(next);
    })
    .join('/');
  let result = `${scheme}${host}${segments}`;
  if (query !== undefined) result += `?${redactParams(query.slice(1), context)}`;
  if (fragment !== undefined) {
    const inner = fragment.slice(1);
    if (inner.includes('=')) result += `#${redactParams(inner, context)}`;
    else {
      const decoded = decodeComponent(inner);
      const next = redactValue(decoded, 'structured', context);
      result += `#${next === decoded ? inner : encodeComponent(next)}`;
    }
  }
  return result;
}

function redactPathSegment(segment: string, context: RedactContext): string {
  if (segment === '' || MARKER.test(segment)) return segment;
  const jose = redactJose(segment, context);
  if (jose !== undefined) return jose;
  if (isCredentialShaped(segment))
    return count(context, 'credentials', segment, pseudonym(segment, 'token', context));
  // `/users/ada@demo.test`, `/verify/+14155550134`, a token embedded in a longer segment.
  return redactFreeText(segment, 'structured', context);
}

/**
 * Redacts `a=b&c=d` text (a query, a fragment, a form body): a name that is itself a credential is replaced, a
 * value by its name's rule or else as a value. Only what changed is re-encoded.
 */
export function redactParams(text: string, context: RedactContext): string {
  if (text === '') return text;
  return text
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const rawName = eq === -1 ? part : part.slice(0, eq);
      const name = decodeComponent(rawName);
      const nextName = redactParamName(name, context);
      const outName = nextName === name ? rawName : encodeComponent(nextName);
      if (eq === -1) return outName;
      const raw = part.slice(eq + 1);
      const value = decodeComponent(raw);
      const kind = secretKindOf(name, 'param');
      const next =
        kind !== undefined ? redactByKind(value, kind, context) : redactValue(value, 'structured', context);
      return `${outName}=${next === value ? raw : encodeComponent(next)}`;
    })
    .join('&');
}

/** A name (JSON key, parameter, cookie name) that is itself a credential or token. */
export function redactParamName(name: string, context: RedactContext): string {
  if (name === '' || MARKER.test(name)) return name;
  const jose = redactJose(name.trim(), context);
  if (jose !== undefined) return jose;
  if (isCredentialShaped(name)) return count(context, 'credentials', name, pseudonym(name, 'token', context));
  if (/^\d{4,10}$/.test(name)) return count(context, 'otpCodes', name, REDACTED);
  return name;
}

function decodeComponent(text: string, plusIsSpace = true): string {
  try {
    return decodeURIComponent(plusIsSpace ? text.replace(/\+/g, ' ') : text);
  } catch {
    return text;
  }
}

/** `encodeURIComponent` that never throws: a lone surrogate becomes U+FFFD instead of a URIError. */
export function encodeComponent(text: string): string {
  return encodeURIComponent(
    text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}
