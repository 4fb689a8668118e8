import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
