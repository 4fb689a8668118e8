/**
 * `npm run emulator [-- --port 8443 --fixed-otp 123456 --hook <url> --quiet]`: runs the Prelude Session API
 * emulator until Ctrl-C, and prints how to point an app and Chromium at it.
 */
import { parseArgs } from 'node:util';
import { demoStepUpConfig, startEmulator, type EmulatorOptions } from './server.ts';

const USAGE = `Usage: npm run emulator -- [options]
  --port <n>          port (default 8443; 0 = any free port)
  --host <addr>       address to listen on (default 127.0.0.1)
  --domain <name>     domain the SDK is given (default demo.session.prelude.dev)
  --app-id <id>       app id (default demo)
  --fixed-otp <code>  every OTP code is this (default: random 6 digits)
  --hook <url>        delegate transfer:write to this step-up hook
  --jwks-url <url>    app backend JWKS for custom-step verification tokens (default: built-in mock app key)
  --quiet             no console output
  --help`;

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse());
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    console.error(`--port must be 0..65535\n\n${USAGE}`);
    process.exit(2);
  }
  const configOptions: { hookUrl?: string; appJwksUrl?: string } = {};
  if (values.hook !== undefined) configOptions.hookUrl = values.hook;
  if (values['jwks-url'] !== undefined) configOptions.appJwksUrl = values['jwks-url'];
  const options: EmulatorOptions = { config: demoStepUpConfig(configOptions), quiet: values.quiet ?? false };
  if (port !== undefined) options.port = port;
  if (values.host !== undefined) options.host = values.host;
  if (values.domain !== undefined) options.domain = values.domain;
  if (values['app-id'] !== undefined) options.appId = values['app-id'];
  if (values['fixed-otp'] !== undefined) options.fixedOtp = values['fixed-otp'];

  const emulator = await startEmulator(options);
  const mapping = `MAP ${emulator.domain} 127.0.0.1:${emulator.port}`;
  // The banner is printed even with --quiet: it is the one thing a user needs to connect.
  console.log(`
Prelude Session API emulator
  listening     ${emulator.url}
  SDK           new PrldSessionClient({ domain: '${emulator.domain}' })
  API base      ${emulator.apiBase}
  Chromium      --host-resolver-rules=${mapping} --ignore-certificate-errors
                (or --ignore-certificate-errors-spki-list=${emulator.certSpkiHash})
  Playwright    args: ['--host-resolver-rules=${mapping}'], ignoreHTTPSErrors: true
  admin API     ${emulator.url}/__emulator/health  (inbox, requests, faults, reset, state)
  demo users    any E.164 phone via OTP (gets email u<digits>@demo.test); ada@demo.test / correct horse battery staple
  step-up       transfer:write${configOptions.hookUrl ? ` (hook ${configOptions.hookUrl})` : ''}, prld:pwd:write, kyc:approve, report:read, admin:root (blocked)
  OTP codes     ${options.fixedOtp ?? 'random'}; printed below and at ${emulator.url}/__emulator/inbox
Ctrl-C to stop.
`);

  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      domain: { type: 'string' },
      'app-id': { type: 'string' },
      'fixed-otp': { type: 'string' },
      hook: { type: 'string' },
      'jwks-url': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
}

main().catch((error: unknown) => {
  console.error(`emulator failed to start: ${(error as Error).message}`);
  process.exit(1);
});
