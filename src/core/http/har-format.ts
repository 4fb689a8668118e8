/**
 * The HAR 1.2 document (http://www.softwareishard.com/blog/har-12-spec/) as this module reads and writes it, and
 * the `_stepupInspector` extension that carries what HAR cannot say about an exchange.
 */
import type { Body, DroppedBody, ExchangeSource } from './exchange.ts';

/** `name`/`value` pair, as HAR uses for headers and query parameters. */
export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
  /** On headers: the value was cut to a size limit when a file was loaded (`Header.truncated`). */
  _stepupInspector?: { truncated: true };
}

/** A cookie as HAR lists it. Only name and value are written; other attributes are read as whatever. */
export interface HarCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
  comment?: string;
}

export interface HarPostParam {
  name: string;
  value?: string;
  fileName?: string;
  contentType?: string;
  comment?: string;
}

export interface HarPostData {
  mimeType: string;
  text?: string;
  params?: HarPostParam[];
  comment?: string;
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  /** -1 when unknown. */
  headersSize: number;
  /** -1 when unknown. */
  bodySize: number;
  comment?: string;
}

export interface HarContent {
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  encoding?: string;
  comment?: string;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  comment?: string;
}

/** Phase durations in ms; -1 for phases that do not apply or are unknown. */
export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
}

export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

/** Body bookkeeping HAR cannot hold: the payload itself stays in `postData.text` / `content.text`. */
export interface StepupInspectorBodyMeta {
  kind: Body['kind'];
  mimeType?: string;
  truncated?: boolean;
  size?: number;
  /** An absent body that a redacted export dropped; the HAR's own text holds only the note. */
  dropped?: DroppedBody;
}

/** The custom `_stepupInspector` field on every entry this module writes. */
export interface StepupInspectorEntryExtension {
  version: 1;
  id: string;
  sources: ExchangeSource[];
  /** Exact epoch ms: `startedDateTime` only has millisecond precision and webRequest timestamps are fractional. */
  startedAt: number;
  endedAt?: number;
  error?: string;
  initiator?: 'page' | 'inspector';
  pageReported?: boolean;
  /** HAR requires `statusText`; this tells a written `''` apart from "no status text". */
  noStatusText?: true;
  requestBody: StepupInspectorBodyMeta;
  responseBody: StepupInspectorBodyMeta;
}

export interface HarEntry {
  pageref?: string;
  startedDateTime: string;
  /** Total ms. Some tools write -1 or leave it out. */
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, unknown>;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  _stepupInspector?: StepupInspectorEntryExtension;
}

export interface HarPage {
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings: { onContentLoad?: number; onLoad?: number; comment?: string };
  comment?: string;
}

export interface HarLog {
  version: string;
  creator: HarCreator;
  browser?: HarCreator;
  pages?: HarPage[];
  entries: HarEntry[];
  comment?: string;
}

/** A HAR document. */
export interface Har {
  log: HarLog;
}
