/**
 * One reason per refused row: a response that says why twice (its body's code and a WWW-Authenticate error) is
 * shown with one, the other as detail; the row's label names the kind of exchange, never a code.
 */
import { describe, expect, it } from 'vitest';
import type { HttpExchange } from '../../../src/core/http/exchange.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { errorReasonOf } from '../../../src/core/http/www-authenticate.ts';
import type { SessionModel } from '../../../src/core/model/types.ts';
import { aLoginFlow, aStepUpFlow, type Flow } from '../../fixtures/flows.ts';

/** The app's transfer API refuses a second use of a spent single-use grant, the way a real one answers. */
async function refusedReuse(
  response: { errorCode?: string; responseJson?: unknown; wwwAuthenticate?: string } = {},
): Promise<{ model: SessionModel; refused: HttpExchange; flow: Flow }> {
  const { flow } = await aStepUpFlow({ scope: 'transfer:write', consume: 'app' });
  const spent = flow.exchanges
    .find((e) => e.url.endsWith('/api/transfer'))
    ?.requestHeaders.find((h) => h.name === 'Authorization')
    ?.value.slice(7);
  const refused = flow.appCall({
    accessToken: spent,
    status: 403,
    errorCode: 'token_reused',
    wwwAuthenticate: 'Bearer error="insufficient_scope", scope="transfer:write"',
    ...response,
  });
  return { model: await analyse(flow.exchanges), refused, flow };
}

function analysed(model: SessionModel, exchange: HttpExchange) {
  const found = model.exchanges.find((e) => e.exchange.id === exchange.id);
  if (found === undefined) throw new Error(`${exchange.id} not analysed`);
  return found;
}

describe('one reason per refused row', () => {
  it('403 with WWW-Authenticate insufficient_scope and body token_reused: token_reused, the header as detail', async () => {
    const { model, refused } = await refusedReuse();
    const row = analysed(model, refused);
    // The label says what the exchange is; the code is the error column's.
    expect(row.classification?.label).toBe('Scope challenge: POST /api/transfer');
    expect(row.classification?.label).not.toMatch(/insufficient_scope|403/);
    expect(errorReasonOf(row.exchange, row.errorCode)).toEqual({
      code: 'token_reused',
      from: 'body',
      other: { code: 'insufficient_scope', from: 'www-authenticate' },
      detail:
        'error body: token_reused; also WWW-Authenticate: Bearer error="insufficient_scope", scope="transfer:write"',
    });
    // The refusal is still read as the reuse it is.
    expect(model.findings.map((f) => f.code)).toEqual(['grant.reused_after_consumption']);
  });

  it('a body that only restates the status gives way to the header', async () => {
    const { model, refused } = await refusedReuse({
      errorCode: undefined,
      responseJson: { error: 'forbidden' },
    });
    const row = analysed(model, refused);
    expect(errorReasonOf(row.exchange, row.errorCode)).toMatchObject({
      code: 'insufficient_scope',
      from: 'www-authenticate',
      other: { code: 'forbidden', from: 'body' },
    });
  });

  it('the header alone, or the same code twice: one code and nothing else', async () => {
    const headerOnly = await refusedReuse({ errorCode: undefined, responseJson: {} });
    const row = analysed(headerOnly.model, headerOnly.refused);
    expect(errorReasonOf(row.exchange, row.errorCode)).toEqual({
      code: 'insufficient_scope',
      from: 'www-authenticate',
      detail: 'WWW-Authenticate: Bearer error="insufficient_scope", scope="transfer:write"',
    });
    const same = await refusedReuse({ errorCode: 'insufficient_scope' });
    const twice = analysed(same.model, same.refused);
    expect(errorReasonOf(twice.exchange, twice.errorCode)).toMatchObject({ code: 'insufficient_scope' });
    expect(errorReasonOf(twice.exchange, twice.errorCode)?.other).toBeUndefined();
  });

  it("an API error without a challenge is the body's code; a success has none", async () => {
    const flow = await aLoginFlow();
    const refused = await flow.refresh({ error: 'bad_request' });
    const ok = await flow.refresh();
    const model = await analyse(flow.exchanges);
    const row = analysed(model, refused);
    expect(errorReasonOf(row.exchange, row.errorCode)).toEqual({
      code: 'bad_request',
      from: 'body',
      detail: 'error body: bad_request',
    });
    const fine = analysed(model, ok);
    expect(errorReasonOf(fine.exchange, fine.errorCode)).toBeNull();
  });
});
