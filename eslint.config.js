import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.ultron/**', '**/.venv/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The pure core (ARCHITECTURE §1): no I/O, no clock, no global randomness; time and seeds come in as
  // arguments. Tests may use what they like.
  {
    files: ['operator/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'operator/core is pure: I/O belongs to the shells' },
            {
              regex: '^(fs|path|os|child_process|http|https|net|crypto|process|timers)(/|$)',
              message: 'operator/core is pure: I/O belongs to the shells',
            },
            { regex: '/(controller|local|cli|bus|workload|agent|samplerd)/', message: 'core imports no shell' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'setTimeout', 'setInterval', 'setImmediate', 'performance', 'fetch'].map((name) => ({
          name,
          message: 'operator/core is pure: pass time and I/O in from the shell',
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'pure core: take `now` as an argument' },
        { object: 'Math', property: 'random', message: 'pure core: use a seeded Rng (core/rng.ts)' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'pure core: take `now` as an argument',
        },
      ],
    },
  },
  // Shells use a core folder through its public index.ts, never its deep files.
  {
    files: ['operator/**/*.ts', 'bench/**/*.ts', 'e2e/**/*.ts'],
    ignores: ['operator/core/**', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '/core/[a-z-]+/(?!index\\.js$)[^/]+$',
              message: "import the core folder's index.js, not its deep files",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
