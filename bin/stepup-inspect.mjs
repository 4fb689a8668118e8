#!/usr/bin/env node
// `npx stepup-inspect <file.har|file.json> [--json]`: registers tsx (a runtime dependency) so Node can load the
// TypeScript sources directly, then runs the CLI. Exit codes and options: src/cli/cli.ts, or --help.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
