/** The RFC 9449 checklist of one DPoP proof: every check with its outcome, detail and spec section. */
import type { CheckStatus, DpopCheckId, DpopProofReport } from '../../core/dpop/types.ts';
import type { HttpExchange } from '../../core/http/exchange.ts';

const CHECK_NAMES: Record<DpopCheckId, string> = {
  single_header: 'One DPoP header',
  well_formed: 'Well-formed JWS',
  typ: 'typ is dpop+jwt',
  alg: 'Asymmetric alg',
  signature: 'Signature (embedded jwk)',
  no_private_key: 'No private key in jwk',
  required_claims: 'jti, htm, htu, iat present',
  htm: 'htm = request method',
  htu: 'htu = request URL',
  iat: 'iat fresh',
  nonce: 'Server nonce',
  ath: 'ath = hash of access token',
  cnf_jkt: 'Token bound to key (cnf.jkt)',
  key_continuity: 'Same key as the session',
  jti_unique: 'jti not reused',
  challenge_jti: 'jti = challenge token jti',
};

const STATUS_TEXT: Record<CheckStatus, string> = { pass: 'pass', fail: 'fail', warn: 'warn', 'n/a': 'n/a' };
const STATUS_ICON: Record<CheckStatus, string> = { pass: '✓', fail: '✕', warn: '!', 'n/a': '–' };

function sectionUrl(section: string): string {
  return `https://www.rfc-editor.org/rfc/rfc9449.html#section-${section}`;
}

export function DpopChecklist({ report, exchange }: { report: DpopProofReport; exchange?: HttpExchange }) {
  const counts = { pass: 0, fail: 0, warn: 0, 'n/a': 0 };
  for (const c of report.checks) counts[c.status] += 1;
  return (
    <section class="dpop" data-testid="dpop-checklist">
      <div class="dpop-summary">
        <span
          class={`badge ${counts.fail > 0 ? 'badge-error' : counts.warn > 0 ? 'badge-warn' : 'badge-ok'}`}
        >
          {counts.fail > 0
            ? `${counts.fail} failed`
            : counts.warn > 0
              ? `${counts.warn} warnings`
              : 'all checks pass'}
        </span>
        <span class="kv">
          <span class="k">proof</span>{' '}
          {report.flavour === 'challenge'
            ? 'challenge proof (jti = challenge jti)'
            : report.flavour === 'session'
              ? 'session proof'
              : 'unknown kind'}
        </span>
        {report.thumbprint ? (
          <span class="kv" title="RFC 7638 SHA-256 thumbprint of the proof's public key">
            <span class="k">jkt</span> <code>{report.thumbprint}</code>
          </span>
        ) : null}
        {exchange ? (
          <span class="kv" title={exchange.url}>
            <span class="k">rode on</span>{' '}
            <code>
              {exchange.method} {pathOf(exchange.url)}
            </code>{' '}
            → {exchange.status || 'no response'}
          </span>
        ) : null}
      </div>
      <table class="grid checks">
        <thead>
          <tr>
            <th class="c-status">Result</th>
            <th class="c-check">Check</th>
            <th>Detail</th>
            <th class="c-section">RFC 9449</th>
          </tr>
        </thead>
        <tbody>
          {report.checks.map((check) => (
            <tr
              key={check.id}
              class={`check-${check.status === 'n/a' ? 'na' : check.status}`}
              data-check={check.id}
              data-status={check.status}
            >
              <td class="c-status">
                <span class={`status status-${check.status === 'n/a' ? 'na' : check.status}`}>
                  {STATUS_ICON[check.status]} {STATUS_TEXT[check.status]}
                </span>
              </td>
              <td class="c-check">{CHECK_NAMES[check.id] ?? check.id}</td>
              <td class="c-detail">{check.detail}</td>
              <td class="c-section">
                <a
                  href={sectionUrl(check.section)}
                  target="_blank"
                  rel="noreferrer"
                  title={`RFC 9449 section ${check.section}`}
                >
                  §{check.section}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}
