/**
 * The terminal report (`stepup-inspect <file>`): a summary, a timeline per challenge, the grants, the access
 * tokens' scope history and the findings grouped by code with their cause, fix and reference. Long captures are
 * condensed (problems first, then "… and N more") so the output stays readable; `--json` has everything.
 */
import { getRule } from '../findings/catalogue.ts';
import { SEVERITY_RANK, type Severity } from '../findings/types.ts';
import type { AnalyzedExchange, Challenge, Finding, Grant, SessionModel } from '../model/types.ts';
import { PROVIDERS, providerModule } from '../providers/registry.ts';
import { describeOffset, formatOffset } from '../dpop/offset.ts';
import { formatClockTime, formatDuration, formatEpochSeconds, isDateMs } from '../tokens/time.ts';
import type { JsonReportSource } from './json.ts';
import { terminalSafe as safe } from './terminal-safe.ts';
import { pathEnd, truncate } from '../util.ts';

/** Options of {@link formatTextReport}. */
export interface TextReportOptions {
  /** ANSI colours. Default false. */
  color?: boolean;
  /** Input position of each analysed exchange (see `entryIndexesAfterSkips`). */
  entryIndexes?: readonly number[];
  source?: JsonReportSource;
  /** Up to this many challenges get a full timeline; beyond, one line each. Default 20. */
  maxTimelines?: number;
  /** Occurrences listed per finding code. Default 8. */
  maxOccurrences?: number;
  /** Lines listed per section (challenges, grants, tokens) in condensed mode. Default 40. */
  maxLines?: number;
  /** Wrap width. Default 100. */
  width?: number;
}

interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  green(s: string): string;
}

const PLAIN: Style = { bold: id, dim: id, red: id, yellow: id, cyan: id, green: id };
const ANSI: Style = {
  bold: (s) => `\u001b[1m${s}\u001b[22m`,
  dim: (s) => `\u001b[2m${s}\u001b[22m`,
  red: (s) => `\u001b[31m${s}\u001b[39m`,
  yellow: (s) => `\u001b[33m${s}\u001b[39m`,
  cyan: (s) => `\u001b[36m${s}\u001b[39m`,
  green: (s) => `\u001b[32m${s}\u001b[39m`,
};

function id(s: string): string {
  return s;
}

const SEVERITY_MARK: Record<Severity, string> = { error: '✖', warning: '▲', info: '●' };
/** ANSI SGR sequences, which take no room on screen. */
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/**
 * Formats the model as a report for a terminal. Pure. Every value that comes from the input (names, ids, step
 * keys, statuses, messages, URLs, skipped entries' reasons) goes through `terminalSafe`, so control
 * characters, escape sequences and bidi controls in a crafted file show as escape text instead of acting on
 * the terminal or breaking the layout; the only escape sequences in the result are the report's own colours.
 */
export function formatTextReport(model: SessionModel, options: TextReportOptions = {}): string {
  const s = options.color ? ANSI : PLAIN;
  const width = options.width ?? 100;
  const maxLines = options.maxLines ?? 40;
  const at = (index: number | null): string =>
    index === null ? '—' : `#${options.entryIndexes?.[index] ?? index}`;
  const paint = (severity: Severity, text: string): string =>
    severity === 'error' ? s.red(text) : severity === 'warning' ? s.yellow(text) : s.cyan(text);
  const out: string[] = [];
  const line = (text = ''): void => {
    out.push(text);
  };

  // Header -----------------------------------------------------------------------------------------------------
  const source = options.source;
  line(s.bold(`Step-Up Inspector report${source?.file !== undefined ? `: ${safe(source.file)}` : ''}`));
  const what =
    source?.kind === 'har'
      ? `HAR${source.creator !== undefined ? ` from ${safe(source.creator.name)}${source.creator.version ? ` ${safe(source.creator.version)}` : ''}` : ''}`
      : source?.kind === 'inspector'
        ? 'Step-Up Inspector export'
        : 'capture';
  const skipped = (source?.skipped ?? []).filter((e) => e.kept !== true);
  const cut = (source?.skipped ?? []).filter((e) => e.kept === true);
  line(
    `  ${what} · ${plural(model.stats.exchanges, 'exchange')} analysed (${model.stats.providerExchanges} step-up API, ${plural(model.stats.dpopProofs, 'DPoP proof')})` +
      (skipped.length > 0 ? ` · ${plural(skipped.length, 'entry', 'entries')} skipped` : ''),
  );
  const first = model.exchanges[0]?.exchange.startedAt;
  const last = model.exchanges.at(-1)?.exchange.startedAt;
  if (typeof first === 'number' && typeof last === 'number' && first > 0) {
    line(`  ${formatEpochSeconds(first / 1000)} → ${clockTime(last)} UTC (${formatDuration(last - first)})`);
  }
  line();

  // Summary ----------------------------------------------------------------------------------------------------
  const counts = model.stats.findings;
  line(s.bold('Summary'));
  line(
    `  ${paint('error', `${SEVERITY_MARK.error} ${plural(counts.error, 'error')}`)}   ${paint('warning', `${SEVERITY_MARK.warning} ${plural(counts.warning, 'warning')}`)}   ${paint('info', `${SEVERITY_MARK.info} ${counts.info} info`)}`,
  );
  line(
    `  ${plural(model.challenges.length, 'challenge')}${tally(model.challenges.map((c) => c.status))} · ${plural(model.grants.length, 'grant')}${tally(model.grants.map((g) => g.state))}`,
  );
  const clockOffset = model.stats.clockOffset;
  if (clockOffset?.notable === true) {
    out.push(
      ...wrap(
        `The capturing device's clock runs ${describeOffset(clockOffset.offsetMs)} the server (±${formatOffset(clockOffset.uncertaintyMs)}, from ${plural(clockOffset.samples, 'server time')}: Date headers and issued tokens' iat). The capture's times are the device's; DPoP iat is judged by the server's clock.`,
        width,
        `  ${s.yellow('◷')} `,
        '    ',
      ),
    );
  }
  if (model.stats.exchanges === 0) line('  No exchanges to analyse.');
  else if (model.stats.providerExchanges === 0) {
    line(`  No ${apiNames()} traffic found. Was the capture filtered to another host?`);
  }
  line();

  const findingsByExchange = new Map<number, Finding[]>();
  for (const f of model.findings) {
    if (f.exchange === null) continue;
    const list = findingsByExchange.get(f.exchange) ?? [];
    list.push(f);
    findingsByExchange.set(f.exchange, list);
  }
  const challengeFindings = new Map<string, number>();
  for (const f of model.findings) {
    if (f.challengeKey !== undefined && f.severity !== 'info')
      challengeFindings.set(f.challengeKey, (challengeFindings.get(f.challengeKey) ?? 0) + 1);
  }

  // Challenges -------------------------------------------------------------------------------------------------
  if (model.challenges.length > 0) {
    line(s.bold(`Challenges (${model.challenges.length})`));
    const full = model.challenges.length <= (options.maxTimelines ?? 20);
    const ordered = full
      ? model.challenges
      : [...model.challenges].sort(
          (a, b) => problemRank(a, challengeFindings) - problemRank(b, challengeFindings),
        );
    const shown = full ? ordered : ordered.slice(0, maxLines);
    for (const c of shown) {
      const status = statusText(c, s);
      const presentation = providerModule(c.provider)?.presentation;
      // A provider without challenge ids of its own names its lanes by their key, and has no scope or grant
      // mode to be missing.
      const byChallengeId = presentation?.laneName === 'challengeId';
      const head = [
        byChallengeId
          ? c.challengeId !== null
            ? safe(c.challengeId)
            : s.dim('(no challenge id)')
          : safe(c.key),
        c.scope !== null ? safe(c.scope) : byChallengeId ? '?' : undefined,
        c.grantMode !== null ? safe(c.grantMode) : byChallengeId ? 'mode ?' : undefined,
        status,
      ]
        .filter((part) => part !== undefined)
        .join(' · ');
      if (!full) {
        const steps = c.steps.map((st) => `${st.done ? '✔' : '·'}${safe(st.key)}`).join(' ');
        line(`  ${head}  ${s.dim(`${at(c.requestedAt)} ${steps}`)}`);
        continue;
      }
      line(`  ${s.bold(head)}`);
      if (c.steps.length > 0) {
        line(
          `    ${s.dim('steps   ')} ${c.steps.map((st) => `${st.done ? s.green('✔') : '○'} ${safe(st.key)}`).join(' → ')}`,
        );
      }
      if (c.codeSends > 0 || c.codeChecks.failed + c.codeChecks.succeeded > 0) {
        line(
          `    ${s.dim('OTP     ')} ${plural(c.codeSends, 'code')} sent${c.codeResends > 0 ? ` (${c.codeResends} resend${c.codeResends > 1 ? 's' : ''})` : ''}, ${c.codeChecks.failed} wrong, ${c.codeChecks.succeeded} passed`,
        );
      }
      if (c.providerStatus !== null) {
        line(
          `    ${s.dim('request ')} status "${safe(c.providerStatus)}"${c.currentStep !== null ? `, current_step ${safe(c.currentStep)}` : ''}${presentation?.showsRequestStatus === true ? ` ${s.dim('(the state follows current_step)')}` : ''}`,
        );
      }
      if (c.expiresAt !== null && c.status === 'pending')
        line(`    ${s.dim('expires ')} ${formatEpochSeconds(c.expiresAt / 1000)}`);
      const marked = new Set<number>();
      for (const e of c.events) {
        const first = e.exchange !== null && !marked.has(e.exchange);
        if (e.exchange !== null) marked.add(e.exchange);
        const marks =
          e.exchange !== null && first
            ? (findingsByExchange.get(e.exchange) ?? []).filter(
                (f) => f.challengeKey === c.key || f.challengeKey === undefined,
              )
            : [];
        const mark =
          marks.length > 0
            ? ` ${marks.map((f) => paint(f.severity, SEVERITY_MARK[f.severity])).join('')}`
            : '';
        out.push(
          ...wrap(
            `${safe(e.detail)}${mark}`,
            width,
            `    ${pad(at(e.exchange), 6)}${clockTime(e.time)}  ${pad(`${e.kind.replace(/_/g, ' ')}${e.method !== undefined ? ` (${e.method})` : ''}`, 26)}`,
            ' '.repeat(4 + 6 + 8 + 2 + 26),
          ),
        );
      }
      line();
    }
    if (!full) {
      if (ordered.length > shown.length)
        line(
          s.dim(
            `  … and ${ordered.length - shown.length} more (problems listed first; --json has every timeline)`,
          ),
        );
      line();
    }
  }

  // Grants -----------------------------------------------------------------------------------------------------
  if (model.grants.length > 0) {
    line(s.bold(`Grants (${model.grants.length})`));
    const shown = model.grants.slice(0, maxLines);
    const scopeWidth = Math.min(28, Math.max(...shown.map((g) => safe(g.scope).length)) + 2);
    for (const g of shown)
      out.push(
        ...wrap(
          grantText(g, at, model.exchanges),
          width,
          `  ${pad(safe(g.scope), scopeWidth)}${pad(g.mode !== null ? safe(g.mode) : 'mode ?', 14)}${pad(grantState(g, s), 10)}`,
          ' '.repeat(2 + scopeWidth + 24),
        ),
      );
    if (model.grants.length > shown.length) line(s.dim(`  … and ${model.grants.length - shown.length} more`));
    line();
  }

  // Access tokens ----------------------------------------------------------------------------------------------
  if (model.accessTokens.length > 0) {
    const changes = model.accessTokens.filter(
      (t) => t.diff === null || t.diff.added.length > 0 || t.diff.removed.length > 0,
    );
    line(
      s.bold(
        `Access tokens (${model.accessTokens.length}${changes.length < model.accessTokens.length ? `, ${changes.length} with a scope change shown` : ''})`,
      ),
    );
    const shown = changes.slice(0, maxLines);
    for (const t of shown) {
      const time = model.exchanges[t.exchange]?.exchange.startedAt;
      const diff =
        t.diff === null
          ? ''
          : [
              ...t.diff.added.map((x) => s.green(`+${safe(x)}`)),
              ...t.diff.removed.map((x) => s.red(`−${safe(x)}`)),
            ].join(' ');
      line(
        `  ${pad(at(t.exchange), 6)}${typeof time === 'number' ? clockTime(time) : '        '}  ${pad(safe(t.source).replace(/_/g, ' '), 16)}${pad(safe(t.sid ?? t.lane), 12)} ${t.scopes.length > 0 ? safe(t.scopes.join(' ')) : s.dim('(no scopes)')}${diff ? `   ${diff}` : ''}`,
      );
    }
    if (changes.length > shown.length) line(s.dim(`  … and ${changes.length - shown.length} more`));
    line();
  }

  // Findings ---------------------------------------------------------------------------------------------------
  line(s.bold('Findings'));
  if (model.findings.length === 0) line(`  ${s.green('No findings.')}`);
  const groups = new Map<string, Finding[]>();
  for (const f of model.findings) {
    const list = groups.get(f.code) ?? [];
    list.push(f);
    groups.set(f.code, list);
  }
  const ordered = [...groups.values()].sort(
    (a, b) =>
      SEVERITY_RANK[(a[0] as Finding).severity] - SEVERITY_RANK[(b[0] as Finding).severity] ||
      ((a[0] as Finding).exchange ?? Infinity) - ((b[0] as Finding).exchange ?? Infinity),
  );
  const maxOccurrences = options.maxOccurrences ?? 8;
  for (const list of ordered) {
    const firstFinding = list[0] as Finding;
    const rule = getRule(firstFinding.code);
    line(
      `  ${paint(rule.severity, `${SEVERITY_MARK[rule.severity]} ${pad(rule.severity, 8)}`)}${s.bold(rule.code)}  ${rule.title}${list.length > 1 ? s.dim(`  (${list.length}×)`) : ''}`,
    );
    for (const f of list.slice(0, maxOccurrences)) {
      const ex = f.exchange === null ? undefined : model.exchanges[f.exchange];
      const where =
        f.exchange === null ? '' : `${at(f.exchange)} ${ex !== undefined ? describeExchange(ex) : ''}`;
      out.push(...wrap(safe(f.message), width, `      ${where ? `${where}: ` : ''}`, '        '));
    }
    if (list.length > maxOccurrences) line(s.dim(`      … and ${list.length - maxOccurrences} more`));
    out.push(...wrap(rule.explanation, width, `      ${s.dim('Cause:')} `, '             '));
    out.push(...wrap(rule.fix, width, `      ${s.dim('Fix:')}   `, '             '));
    line(`      ${s.dim('See:')}   ${rule.reference.label} <${rule.reference.url}>`);
    line();
  }
  if (model.findings.length === 0) line();

  // Notes ------------------------------------------------------------------------------------------------------
  const notes: string[] = [];
  if (model.stats.withoutResponseBody > 0) {
    notes.push(
      `${plural(model.stats.withoutResponseBody, 'step-up API exchange')} had no response body (webRequest-only capture, or the tool did not save it): their tokens and error codes could not be checked.`,
    );
  }
  if (skipped.length > 0) {
    const listed = skipped
      .slice(0, 5)
      .map((e) => `#${e.index} (${safe(e.reason)})`)
      .join('; ');
    notes.push(
      `Skipped ${plural(skipped.length, 'entry', 'entries')} that could not be read: ${listed}${skipped.length > 5 ? `; … and ${skipped.length - 5} more` : ''}.`,
    );
  }
  if (cut.length > 0) {
    const listed = cut
      .slice(0, 5)
      .map((e) => `#${e.index} (${safe(e.reason)})`)
      .join('; ');
    notes.push(
      `Cut to size on import, marked truncated (tokens in a cut header are not checked): ${listed}${cut.length > 5 ? `; … and ${cut.length - 5} more` : ''}.`,
    );
  }
  if (notes.length > 0) {
    line(s.bold('Notes'));
    for (const note of notes) out.push(...wrap(note, width, '  ', '  '));
    line();
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function statusText(c: Challenge, s: Style): string {
  switch (c.status) {
    case 'completed':
      if (c.scopeGranted === true) return s.green('completed, scope granted');
      if (c.scopeGranted === false) return s.red('completed, scope NOT granted');
      // Where a completed challenge is still to be exchanged for its scope, completion alone grants nothing yet.
      return providerModule(c.provider)?.presentation?.redeemsCompletion === true
        ? s.yellow('completed, not exchanged yet')
        : s.green(`completed (${safe(c.statusReason)})`);
    case 'pending':
      return s.yellow(`pending (${safe(c.currentStep ?? '?')})`);
    case 'blocked':
      return s.red('blocked');
    case 'expired':
      return s.red('expired');
    case 'failed':
      return s.red(`failed (${safe(c.statusReason)})`);
  }
}

function problemRank(c: Challenge, findings: ReadonlyMap<string, number>): number {
  const base = c.status === 'completed' && c.scopeGranted !== false ? 2 : c.status === 'completed' ? 0 : 1;
  return (findings.get(c.key) ?? 0) > 0 ? Math.min(base, 0) : base;
}

function grantState(g: Grant, s: Style): string {
  return g.state === 'active'
    ? s.green('active')
    : g.state === 'consumed'
      ? s.yellow('consumed')
      : s.dim('expired');
}

function grantText(
  g: Grant,
  at: (i: number | null) => string,
  exchanges: readonly AnalyzedExchange[],
): string {
  const parts = [
    `granted at ${at(g.grantedBy)}${g.challengeKey !== null ? ` (${safe(g.challengeKey.replace(/^[^:]+:/, ''))})` : ' (no challenge seen)'}`,
  ];
  if (g.expiresAt !== null) parts.push(`expires ${formatEpochSeconds(g.expiresAt / 1000)}`);
  if (g.state === 'consumed') {
    const by = g.consumedBy !== null ? exchanges[g.consumedBy] : undefined;
    parts.push(
      g.consumedBy !== null
        ? `consumed by ${at(g.consumedBy)}${by !== undefined ? ` ${describeExchange(by)}` : ''}`
        : g.consumption === 'refused_later'
          ? 'consumed by a call not in the capture (refused later)'
          : 'consumed by a call not in the capture (scope left the token)',
    );
  }
  if (g.droppedBy !== null) parts.push(`gone from the token at ${at(g.droppedBy)}`);
  // Not consumed in sight: where its use would have gone, when that is out of the capture's sight.
  const unseen =
    g.state !== 'consumed' ? providerModule(g.provider)?.presentation.unseenUse?.(g.scope) : undefined;
  if (unseen !== undefined) parts.push(`used out of sight: ${safe(unseen)}`);
  if (g.reuseAttempts.length > 0) parts.push(`reused at ${g.reuseAttempts.map((i) => at(i)).join(', ')}`);
  return parts.join(' · ');
}

/** Method and path of a provider's API call, or method and URL (no query) of other traffic; terminal-safe. */
function describeExchange(ex: AnalyzedExchange): string {
  return safe(describeExchangeRaw(ex));
}

function describeExchangeRaw(ex: AnalyzedExchange): string {
  const url = ex.exchange.url;
  const noQuery = url.slice(0, pathEnd(url));
  if (ex.classification !== null) {
    const schemeEnd = noQuery.indexOf('://');
    const pathStart = schemeEnd === -1 ? 0 : noQuery.indexOf('/', schemeEnd + 3);
    const path = pathStart === -1 ? '/' : noQuery.slice(pathStart);
    return `${ex.exchange.method} ${path}`;
  }
  return `${ex.exchange.method} ${truncate(noQuery, 90)}`;
}

/** "A, B or C": the API of every registered provider, as its module names it. */
function apiNames(): string {
  const names = PROVIDERS.flatMap((p) => (p.presentation === undefined ? [] : [p.presentation.apiName]));
  return names.length > 1
    ? `${names.slice(0, -1).join(', ')} or ${names.at(-1) as string}`
    : (names[0] ?? 'step-up API');
}

function clockTime(ms: number): string {
  if (!isDateMs(ms)) return '--:--:--';
  return formatClockTime(ms, { millis: false });
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function tally(values: readonly string[]): string {
  if (values.length === 0) return '';
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return `: ${[...counts].map(([k, n]) => `${n} ${safe(k)}`).join(', ')}`;
}

/** Pads to `n` visible characters (ANSI codes do not count). */
function pad(text: string, n: number): string {
  const visible = text.replace(ANSI_SGR, '').length;
  return visible >= n ? `${text} ` : text + ' '.repeat(n - visible);
}

/** Word-wraps `text` after `prefix`, continuing lines with `indent`. */
function wrap(text: string, width: number, prefix: string, indent: string): string[] {
  const visible = (t: string): number => t.replace(ANSI_SGR, '').length;
  const lines: string[] = [];
  let current = prefix;
  let empty = true;
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (!empty && visible(current) + 1 + visible(word) > width) {
      lines.push(current);
      current = indent + word;
    } else {
      current += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(current);
  return lines;
}
