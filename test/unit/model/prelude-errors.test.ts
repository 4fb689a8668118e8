import { describe, expect, it } from 'vitest';
import { findRule } from '../../../src/core/findings/catalogue.ts';
import { PRELUDE_ERROR_CODES } from '../../../src/core/providers/prelude/findings.ts';
import { analyse } from '../../../src/core/model/analyzer.ts';
import { anExchange } from '../../fixtures/exchanges.ts';
import { errorBody } from '../../fixtures/flows.ts';

/** An error answer on an endpoint with no special handling (GET /me/list), so only the generic mapping applies. */
function errorOn(code: string, status = 400) {
  return anExchange({ method: 'GET', path: '/me/list?limit=10', status, responseJson: errorBody(code) });
}

describe('prelude.<code>: every Session API error code maps to its rule', () => {
  for (const code of PRELUDE_ERROR_CODES) {
    it(`${code} → prelude.${code}`, async () => {
      const model = await analyse([errorOn(code)]);
      expect(model.findings.map((f) => f.code)).toEqual([`prelude.${code}`]);
      const finding = model.findings[0];
      expect(finding).toMatchObject({ exchange: 0, severity: findRule(`prelude.${code}`)?.severity });
      expect(finding?.message).toContain(code);
      expect(model.exchanges[0]?.errorCode).toBe(code);
    });
  }

  it('an unknown code → prelude.unknown_error, naming the code', async () => {
    const model = await analyse([errorOn('brand_new_error')]);
    expect(model.findings.map((f) => f.code)).toEqual(['prelude.unknown_error']);
    expect(model.findings[0]?.message).toContain('brand_new_error');
  });

  it('the message of the body is quoted; HTTP status is shown but not used to decide', async () => {
    const model = await analyse([errorOn('rate_limited', 429), errorOn('rate_limited', 400)]);
    expect(model.findings.map((f) => f.code)).toEqual(['prelude.rate_limited', 'prelude.rate_limited']);
    expect(model.findings[0]?.message).toBe('List sessions answered 429 rate_limited: error rate_limited.');
  });

  it('a 2xx body with a code field is not an error', async () => {
    const model = await analyse([
      anExchange({ method: 'GET', path: '/me/list', status: 200, responseJson: { code: 'internal' } }),
    ]);
    expect(model.findings).toEqual([]);
  });

  it('an error body that is not JSON gives no code', async () => {
    const model = await analyse([
      anExchange({
        method: 'GET',
        path: '/me/list',
        status: 502,
        responseBody: { kind: 'text', text: '<html>Bad gateway</html>' },
      }),
    ]);
    expect(model.exchanges[0]?.errorCode).toBeNull();
    expect(model.findings).toEqual([]);
  });
});
