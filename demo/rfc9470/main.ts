/**
 * `npx tsx demo/rfc9470/main.ts [--port 8470] [--quiet]`: runs the RFC 9470 demo authorization + resource
 * server until Ctrl-C (there is no npm script: package.json is not this demo's).
 */
import { parseArgs } from 'node:util';
import { PAYMENT_POLICY, STATEMENTS_SCOPE, startRfc9470Server } from './server.ts';

const USAGE = 'Usage: npx tsx demo/rfc9470/main.ts [--port <n>] [--quiet]';

async function main(): Promise<void> {
  let values: { port?: string; quiet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port ?? '8470');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port must be 0..65535\n${USAGE}`);
    process.exit(2);
  }
  const server = await startRfc9470Server({ port, quiet: values.quiet ?? false });
  console.log(`
RFC 9470 step-up demo server
  origin        ${server.url}   (authorization server under /as, resource server under /api)
  metadata      ${server.url}/.well-known/oauth-authorization-server, /.well-known/oauth-protected-resource
  POST /api/payments    acr_values "${PAYMENT_POLICY.acrValues.join(' ')}", max_age ${PAYMENT_POLICY.maxAgeS} s
  GET  /api/statements  scope ${STATEMENTS_SCOPE}
  broken IdP    curl -X POST ${server.url}/__rfc9470/idp -H 'Content-Type: application/json' -d '{"broken":true}'
Ctrl-C to stop.
`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`RFC 9470 demo server failed to start: ${(error as Error).message}`);
  process.exit(1);
});
