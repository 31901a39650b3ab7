// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers point down only (README, "Layers"): domain ← db ← services ← slack, sources, http, jobs.
 * Every file of a layer is one folder below src/, so a relative import names the folder it reaches.
 */
const upper = ['slack', 'sources', 'http', 'jobs'];
const layerRule = (forbidden, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ regex: `^\\.\\./(${forbidden.join('|')})(/|\\.js$)`, message }] }],
});
export const layers = [
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./', message: 'domain/ holds pure rules: it imports only from domain/.' }] }],
    },
  },
  { files: ['src/db/**/*.ts'], rules: layerRule(['services', ...upper], 'db/ imports only domain/ (and shared modules such as the logger).') },
  { files: ['src/services/**/*.ts'], rules: layerRule(upper, 'services/ import only db/ and domain/; Slack and the sources sit on top of them.') },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  ...layers,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', performance: 'readonly', Buffer: 'readonly', fetch: 'readonly' },
    },
  },
  {
    files: ['scripts/**', 'demo/**', 'bench/**', 'test/**', 'migrations/**'],
    // Tests and fakes handle Slack and X JSON as it comes over the wire; migrations use Kysely<any>.
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
