import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'vtdataroot/**', 'coverage/**', 'bin/**', 'scripts/**', 'bench/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // DESIGN.md import rules: core never imports commands (or the command helpers in src/cli).
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/commands/**', '**/cli/**'], message: 'src/core must not import src/commands or src/cli' }] },
      ],
    },
  },
  {
    // The MySQL protocol talks to a Handler and knows nothing of the gate or the tablet.
    files: ['src/core/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/commands/**', '**/cli/**'], message: 'src/core must not import src/commands or src/cli' },
            { group: ['**/gate/**', '**/tablet/**'], message: 'core/protocol must not import gate or tablet' },
          ],
        },
      ],
    },
  },
);
