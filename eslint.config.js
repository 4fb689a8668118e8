import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { readdirSync } from 'node:fs';

/**
 * Protocol knowledge lives in its provider's folder: a provider's id (its folder name under src/core/providers) may
 * not appear anywhere else in src, in code, strings or comments. An id ending in digits also matches with a space
 * before them, as the protocol is usually written.
 */
const PROVIDER_IDS = readdirSync(new URL('./src/core/providers/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const PROVIDER_NAME = new RegExp(
  `(${PROVIDER_IDS.map((id) => id.replace(/^([a-z]+)(\d+)$/, '$1\\s?$2')).join('|')})`,
  'i',
);

const boundaries = {
  rules: {
    'no-provider-names': {
      meta: { type: 'problem', schema: [] },
      create(context) {
        return {
          Program(node) {
            const text = context.sourceCode.getText();
            const lines = text.split('\n');
            lines.forEach((line, i) => {
              const match = PROVIDER_NAME.exec(line);
              if (match === null) return;
              context.report({
                node,
                loc: {
                  start: { line: i + 1, column: match.index },
                  end: { line: i + 1, column: match.index + match[0].length },
                },
                message: `"${match[0]}" names a provider: protocol knowledge belongs in src/core/providers/<id>/ (reach it through the registry).`,
              });
            });
          },
        };
      },
    },
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist',
      'dist-firefox',
      'bench/.scratch',
      'node_modules',
      'demo/app/dist',
      'test-results',
      'playwright-report',
      'demo-output',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/core/providers/**'],
    plugins: { boundaries },
    rules: { 'boundaries/no-provider-names': 'error' },
  },
  {
    // Views render and dispatch: anything that leaves the panel goes through its commands and services.
    files: ['src/panel/views/**/*.ts', 'src/panel/views/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'webextension-polyfill', message: 'Go through src/platform.' }],
          patterns: [
            { group: ['**/platform/**'], message: 'Views dispatch commands; they do not call the platform.' },
          ],
        },
      ],
    },
  },
  {
    // Only src/platform may talk to the extension APIs.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/platform/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'webextension-polyfill', message: 'Go through src/platform.' }] },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'chrome', message: 'Go through src/platform.' },
        { name: 'browser', message: 'Go through src/platform.' },
      ],
    },
  },
  {
    // src/core is shared by the panel, the CLI and Node tests: it must not reach for a browser or Node API.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'crypto', 'os'], message: 'src/core runs in the browser too.' },
            {
              group: ['webextension-polyfill', 'preact', 'preact/*', 'zustand', 'zustand/*'],
              message: 'src/core is UI- and platform-free.',
            },
            {
              group: ['**/platform/**', '**/panel/**', '**/background/**', '**/content/**', '**/cli/**'],
              message: 'src/core depends on nothing outside it.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        'chrome',
        'browser',
        'window',
        'document',
        'localStorage',
        'indexedDB',
        'process',
      ],
    },
  },
);
