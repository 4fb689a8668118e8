/**
 * `npx tsx demo/dynamic/main.ts [--port 8444] [--fixed-otp 123456] [--quiet]`: runs the Dynamic SDK API emulator
 * until Ctrl-C and prints how to point Chromium at it (there is no npm script: package.json is not this demo's).
 */
import { parseArgs } from 'node:util';
import { DYNAMIC_API_HOST, DYNAMIC_LOGS_HOST, startDynamicEmulator } from './server.ts';

const USAGE = `Usage: npx tsx demo/dynamic/main.ts [--port <n>] [--host <addr>] [--fixed-otp <code>] [--quiet]`;

async function main(): Promise<void> {
  let values: { port?: string; host?: string; 'fixed-otp'?: string; quiet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'fixed-otp': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean' },
      },
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
  const port = Number(values.port ?? '8444');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port must be 0..65535\n${USAGE}`);
    process.exit(2);
  }
  const emulator = await startDynamicEmulator({
    port,
    quiet: values.quiet ?? false,
    ...(values.host ? { host: values.host } : {}),
    ...(values['fixed-otp'] ? { fixedOtp: values['fixed-otp'] } : {}),
  });
  const rules = `MAP ${DYNAMIC_API_HOST} 127.0.0.1:${emulator.port},MAP ${DYNAMIC_LOGS_HOST} 127.0.0.1:${emulator.port}`;
  console.log(`
Dynamic SDK API emulator
  listening     ${emulator.url}
  SDK           createDynamicClient({ environmentId: '${emulator.environmentId}' })
  API base      ${emulator.apiBase}
  Chromium      --host-resolver-rules=${rules} --ignore-certificate-errors
  admin API     ${emulator.url}/__dynamic/health  (inbox, requests, state, sessions, reset)
  OTP codes     ${values['fixed-otp'] ?? 'random'}; printed below and at ${emulator.url}/__dynamic/inbox
Ctrl-C to stop.
`);
  const stop = (): void => void emulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`Dynamic emulator failed to start: ${(error as Error).message}`);
  process.exit(1);
});
