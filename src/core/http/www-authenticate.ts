/**
 * A tolerant parser for `WWW-Authenticate` (RFC 9110 §11.6.1, §11.3–11.4): every scheme, auth-params with token
 * or quoted-string values (backslash escapes undone), token68, several challenges in one header value and several
 * header lines. Scheme and parameter names compare case-insensitively, so parameters are keyed lower-case.
 *
 * Headers come from the network, files and pages, so the parser never throws: it returns what it could read plus
 * a list of errors, skipping to the next comma after a syntax error.
 *
 * No npm package fitted (checked: `auth-header` reads one challenge per header line, `www-authenticate` only Basic
 * and Digest, `http-auth-utils` only Basic/Digest/Bearer and throws on anything else).
 *
 *   challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param  = token BWS "=" BWS ( token / quoted-string )
 *   token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *
 * Below the parser, {@link errorReasonOf}: the one reason a refused response gives, when its body and its
 * `WWW-Authenticate` both say why.
 */
import { bodyJsonObject } from './body.ts';
import type { Body, HttpExchange } from './exchange.ts';

/** One auth-param as written. */
export interface AuthParam {
  /** The name as written (compare lower-cased). */
  name: string;
  /** The value, with quoted-string escapes undone. */
  value: string;
  /** Whether the value was a quoted-string. */
  quoted: boolean;
}

/** One challenge of a `WWW-Authenticate` header. */
export interface AuthChallenge {
  /** The auth-scheme as written (`Bearer`, `DPoP`, `Basic`…); compare with {@link isScheme}. */
  scheme: string;
  /** The token68 form (`Negotiate abc==`), when the challenge has one instead of parameters. */
  token68?: string;
  /** Parameters by lower-cased name; the first occurrence wins (a repeat is reported as an error). */
  params: Readonly<Record<string, string>>;
  /** Parameters in order, names as written, repeats included. */
  paramList: readonly AuthParam[];
  /** Which header line (0-based) the challenge was read from. */
  line: number;
}

/** Why part of a header could not be read. */
export interface WwwAuthenticateError {
  /** Header line (0-based). */
  line: number;
  /** Character offset in that line. */
  offset: number;
  message: string;
}

/** What {@link parseWwwAuthenticate} read. */
export interface WwwAuthenticateParse {
  challenges: AuthChallenge[];
  errors: WwwAuthenticateError[];
}

/** Longest header line read; the rest is reported, not parsed (real challenges are a few hundred bytes). */
export const MAX_WWW_AUTHENTICATE_LENGTH = 16 * 1024;

const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
const TOKEN68 = new Uint8Array(128);
for (const c of '-._~+/') TOKEN68[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c += 1) TCHAR[c] = TOKEN68[c] = 1;
for (let c = 0x41; c <= 0x5a; c += 1) TCHAR[c] = TOKEN68[c] = TCHAR[c + 0x20] = TOKEN68[c + 0x20] = 1;

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True for a non-empty RFC 9110 token (`tchar+`). */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c >= 128 || TCHAR[c] !== 1) return false;
  }
  return true;
}

/** True for a valid token68. */
export function isToken68(value: string): boolean {
  let i = 0;
  while (i < value.length && isT68(value.charCodeAt(i))) i += 1;
  if (i === 0) return false;
  while (i < value.length && value.charCodeAt(i) === EQUALS) i += 1;
  return i === value.length;
}

function isTchar(c: number): boolean {
  return c < 128 && TCHAR[c] === 1;
}

function isT68(c: number): boolean {
  return c < 128 && TOKEN68[c] === 1;
}

/** Case-insensitive scheme comparison. */
export function isScheme(challenge: AuthChallenge, scheme: string): boolean {
  return challenge.scheme.toLowerCase() === scheme.toLowerCase();
}

class LineParser {
  private pos = 0;
  private current: { scheme: string; token68?: string; list: AuthParam[] } | undefined;

  constructor(
    private readonly text: string,
    private readonly line: number,
    private readonly out: WwwAuthenticateParse,
  ) {}

  run(): void {
    const { text } = this;
    for (;;) {
      this.skipSeparators();
      if (this.pos >= text.length) break;
      const start = this.pos;
      const token = this.readToken();
      if (token === '') {
        this.error(
          start,
          `unexpected ${describeChar(text, start)} where a scheme or parameter name was expected`,
        );
        this.skipItem();
        continue;
      }
      const afterToken = this.pos;
      this.skipWhitespace();
      if (text.charCodeAt(this.pos) === EQUALS) {
        this.pos += 1;
        this.param(token, start);
        continue;
      }
      this.pos = afterToken;
      this.scheme(token);
    }
    this.flush();
  }

  /** A new challenge: its token68, or nothing (its parameters follow as list items). */
  private scheme(scheme: string): void {
    this.flush();
    this.current = { scheme, list: [] };
    const { text } = this;
    const afterScheme = this.pos;
    this.skipWhitespace();
    if (this.pos >= text.length || text.charCodeAt(this.pos) === COMMA) return;
    if (this.pos === afterScheme) {
      this.error(this.pos, `unexpected ${describeChar(text, this.pos)} after the scheme ${scheme}`);
      this.skipItem();
      return;
    }
    // token68 when the item is token68 characters (plus trailing "=") up to a comma or the end.
    const start = this.pos;
    let i = start;
    while (i < text.length && isT68(text.charCodeAt(i))) i += 1;
    if (i > start) {
      while (i < text.length && text.charCodeAt(i) === EQUALS) i += 1;
      let j = i;
      while (j < text.length && isWhitespace(text.charCodeAt(j))) j += 1;
      if (j >= text.length || text.charCodeAt(j) === COMMA) {
        this.current.token68 = text.slice(start, i);
        this.pos = j;
        return;
      }
    }
    // Otherwise the item must be `name = value`, which the main loop reads.
    let k = start;
    while (k < text.length && isTchar(text.charCodeAt(k))) k += 1;
    const named = k > start;
    while (k < text.length && isWhitespace(text.charCodeAt(k))) k += 1;
    if (named && text.charCodeAt(k) === EQUALS) return;
    const at = named ? k : start;
    this.error(at, `unexpected ${describeChar(text, at)} after the scheme ${scheme}`);
    this.skipItem();
  }

  private param(name: string, start: number): void {
    const { text } = this;
    const current = this.current;
    this.skipWhitespace();
    let value: string | undefined;
    let quoted = false;
    if (text.charCodeAt(this.pos) === DQUOTE) {
      value = this.readQuoted();
      quoted = true;
    } else {
      value = this.readToken();
      if (value === '') {
        this.error(this.pos, `parameter ${name} has no value (${describeChar(text, this.pos)})`);
        this.skipItem();
        return;
      }
    }
    this.skipWhitespace();
    if (this.pos < text.length && text.charCodeAt(this.pos) !== COMMA) {
      this.error(this.pos, `unexpected ${describeChar(text, this.pos)} after parameter ${name}`);
      this.skipItem();
    }
    if (current === undefined) {
      this.error(start, `parameter ${name} comes before any auth-scheme`);
      return;
    }
    if (current.token68 !== undefined) {
      this.error(start, `parameter ${name} follows the token68 of ${current.scheme}`);
      return;
    }
    current.list.push({ name, value, quoted });
  }

  /** Reads a quoted-string at `pos` (on the opening quote), undoing backslash escapes. */
  private readQuoted(): string {
    const { text } = this;
    const open = this.pos;
    this.pos += 1;
    let value = '';
    let chunk = this.pos;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === DQUOTE) {
        value += text.slice(chunk, this.pos);
        this.pos += 1;
        return value;
      }
      if (c === BACKSLASH) {
        value += text.slice(chunk, this.pos);
        if (this.pos + 1 < text.length) {
          value += text[this.pos + 1];
          this.pos += 2;
        } else {
          this.pos += 1;
        }
        chunk = this.pos;
        continue;
      }
      this.pos += 1;
    }
    value += text.slice(chunk, this.pos);
    this.error(open, 'unterminated quoted-string');
    return value;
  }

  private readToken(): string {
    const { text } = this;
    const start = this.pos;
    while (this.pos < text.length && isTchar(text.charCodeAt(this.pos))) this.pos += 1;
    return text.slice(start, this.pos);
  }

  private skipWhitespace(): void {
    const { text } = this;
    while (this.pos < text.length && isWhitespace(text.charCodeAt(this.pos))) this.pos += 1;
  }

  private skipSeparators(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== COMMA && !isWhitespace(c)) break;
      this.pos += 1;
    }
  }

  /** Skips to the next comma outside a quoted-string (error recovery). */
  private skipItem(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === COMMA) return;
      if (c === DQUOTE) {
        const before = this.out.errors.length;
        this.readQuoted();
        // An unterminated string while skipping is part of the same error.
        this.out.errors.length = before;
        continue;
      }
      this.pos += 1;
    }
  }

  private flush(): void {
    const current = this.current;
    if (current === undefined) return;
    this.current = undefined;
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const { name, value } of current.list) {
      const key = name.toLowerCase();
      if (key in params) {
        this.error(this.pos, `parameter ${key} repeated in the ${current.scheme} challenge`);
        continue;
      }
      params[key] = value;
    }
    const challenge: AuthChallenge = {
      scheme: current.scheme,
      params,
      paramList: current.list,
      line: this.line,
    };
    if (current.token68 !== undefined) challenge.token68 = current.token68;
    this.out.challenges.push(challenge);
  }

  private error(offset: number, message: string): void {
    this.out.errors.push({ line: this.line, offset, message });
  }
}

function isWhitespace(c: number): boolean {
  return c === SP || c === HTAB;
}

function describeChar(text: string, at: number): string {
  if (at >= text.length) return 'end of header';
  const c = text.charCodeAt(at);
  return c >= 0x21 && c <= 0x7e ? `"${text[at]}"` : `character U+${c.toString(16).padStart(4, '0')}`;
}

/**
 * Parses one or more `WWW-Authenticate` header values (one per header line). Never throws: non-string input
 * reads as an error, a syntax error skips to the next comma.
 */
export function parseWwwAuthenticate(values: string | readonly string[]): WwwAuthenticateParse {
  const out: WwwAuthenticateParse = { challenges: [], errors: [] };
  const lines: readonly unknown[] = Array.isArray(values) ? values : [values];
  lines.forEach((value, line) => {
    if (typeof value !== 'string') {
      out.errors.push({ line, offset: 0, message: 'the header value is not a string' });
      return;
    }
    let text = value;
    if (text.length > MAX_WWW_AUTHENTICATE_LENGTH) {
      out.errors.push({
        line,
        offset: MAX_WWW_AUTHENTICATE_LENGTH,
        message: `header longer than ${MAX_WWW_AUTHENTICATE_LENGTH} characters: the rest was not read`,
      });
      text = text.slice(0, MAX_WWW_AUTHENTICATE_LENGTH);
    }
    new LineParser(text, line, out).run();
  });
  return out;
}

/** A challenge to format: a scheme with a token68 or parameters. */
export interface ChallengeInput {
  scheme: string;
  token68?: string;
  params?: readonly { name: string; value: string }[];
}

/**
 * Formats challenges as one header value (comma-separated). Values that are tokens stay bare unless `quoteAll`;
 * others are quoted with `"` and `\` escaped. Scheme and names must be tokens (they are written as given).
 */
export function formatWwwAuthenticate(
  challenges: readonly ChallengeInput[],
  options: { quoteAll?: boolean } = {},
): string {
  return challenges
    .map((challenge) => {
      if (challenge.token68 !== undefined) return `${challenge.scheme} ${challenge.token68}`;
      const params = (challenge.params ?? []).map(
        ({ name, value }) => `${name}=${!options.quoteAll && isToken(value) ? value : quote(value)}`,
      );
      return params.length === 0 ? challenge.scheme : `${challenge.scheme} ${params.join(', ')}`;
    })
    .join(', ');
}

/** A quoted-string for `value`. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

// ---------------------------------------------------------------------------------------------------------------
// One reason per refused response

/** Where a refused response says why. */
export type ErrorSource = 'body' | 'www-authenticate';

/**
 * The one reason a refused response gives, for the exchanges table and the exchange detail; the other code, when
 * the response gave two, comes as detail.
 */
export interface ErrorReason {
  code: string;
  from: ErrorSource;
  /** The other code the response gave, when it differs. */
  other?: { code: string; from: ErrorSource };
  /** One line naming where each code was read, for a tooltip and the exchange detail. */
  detail: string;
}

/**
 * Body codes that only restate the status (or an RFC 6750 category): against a `WWW-Authenticate` error they say
 * less than the header, which then leads.
 */
const GENERIC_BODY_CODES: ReadonlySet<string> = new Set([
  'bad_request',
  'unauthorized',
  'unauthenticated',
  'forbidden',
  'access_denied',
  'not_found',
  'error',
  'unknown_error',
  'invalid_request',
  'internal',
  'internal_error',
  'server_error',
]);

const reasonCache = new WeakMap<HttpExchange, { errorCode: string | null; reason: ErrorReason | null }>();

/**
 * The reason a response gives for refusing the request. A response can say why twice: its body's code (the API's
 * own, such as `token_reused`) and the `error` of a `Bearer`/`DPoP` challenge in `WWW-Authenticate` (one of the few
 * categories RFC 6750 §3.1 and RFC 9449 §7.1 define, such as `insufficient_scope`, or the step-up challenge's
 * `insufficient_user_authentication`). The header names the category a client reacts to; the body says what
 * happened inside it (a single-use grant already spent, a reused token), which is what the developer reading the
 * row needs. So the body's code leads, the header's comes as detail, unless the body's only restates the status
 * (`forbidden`, `unauthorized`…), when the header leads. `errorCode` is the analyser's code for the exchange (its
 * body's, or the header's when the body had none). Cached per exchange; never throws.
 */
export function errorReasonOf(exchange: HttpExchange, errorCode: string | null): ErrorReason | null {
  const cached = reasonCache.get(exchange);
  if (cached !== undefined && cached.errorCode === errorCode) return cached.reason;
  const reason = readErrorReason(exchange, errorCode);
  reasonCache.set(exchange, { errorCode, reason });
  return reason;
}

function readErrorReason(exchange: HttpExchange, errorCode: string | null): ErrorReason | null {
  const status = typeof exchange?.status === 'number' ? exchange.status : 0;
  if (status === 0 || (status >= 200 && status < 300)) {
    return errorCode === null ? null : { code: errorCode, from: 'body', detail: `error body: ${errorCode}` };
  }
  const challenge = tokenChallenge(exchange.responseHeaders);
  const headerError = nonEmpty(challenge?.params['error']);
  const bodyCode = bodyErrorCode(exchange.responseBody) ?? (errorCode !== headerError ? errorCode : null);
  const header = challenge !== undefined ? `WWW-Authenticate: ${challengeText(challenge)}` : '';
  if (bodyCode === null) {
    return headerError === undefined ? null : { code: headerError, from: 'www-authenticate', detail: header };
  }
  const body = `error body: ${bodyCode}`;
  if (headerError === undefined || headerError === bodyCode) {
    return { code: bodyCode, from: 'body', detail: headerError === undefined ? body : `${body}; ${header}` };
  }
  if (GENERIC_BODY_CODES.has(bodyCode)) {
    return {
      code: headerError,
      from: 'www-authenticate',
      other: { code: bodyCode, from: 'body' },
      detail: `${header}; also ${body}`,
    };
  }
  return {
    code: bodyCode,
    from: 'body',
    other: { code: headerError, from: 'www-authenticate' },
    detail: `${body}; also ${header}`,
  };
}

/** The first `Bearer` or `DPoP` challenge of a response's `WWW-Authenticate` lines. */
function tokenChallenge(headers: unknown): AuthChallenge | undefined {
  if (!Array.isArray(headers)) return undefined;
  const values: string[] = [];
  for (const header of headers as { name?: unknown; value?: unknown }[]) {
    if (
      typeof header?.name === 'string' &&
      header.name.toLowerCase() === 'www-authenticate' &&
      typeof header.value === 'string'
    )
      values.push(header.value);
  }
  if (values.length === 0) return undefined;
  return parseWwwAuthenticate(values).challenges.find((c) => isScheme(c, 'bearer') || isScheme(c, 'dpop'));
}

/** The `code` (or OAuth-style `error`) string of a JSON error body, as the analyser reads it. */
function bodyErrorCode(body: Body): string | null {
  const json = body?.kind === 'absent' ? undefined : bodyJsonObject(body);
  const value = typeof json?.['code'] === 'string' ? json['code'] : json?.['error'];
  return typeof value === 'string' && value.length > 0 && value.length <= 100 ? value : null;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** `Bearer error="insufficient_scope", scope="transfer:write"`: a challenge's scheme and what it asks. */
function challengeText(challenge: AuthChallenge): string {
  const shown = ['error', 'error_description', 'scope', 'acr_values', 'max_age']
    .filter((name) => challenge.params[name] !== undefined)
    .map((name) => {
      const value = challenge.params[name] ?? '';
      return `${name}="${value.length > 120 ? `${value.slice(0, 119)}…` : value}"`;
    });
  return `${challenge.scheme}${shown.length > 0 ? ` ${shown.join(', ')}` : ''}`;
}
