// ESLint as Temporal's TypeScript samples set it up (eslint:recommended, typescript-eslint's
// recommended rules, no-floating-promises, deprecations, object shorthand, no Node built-ins in
// workflow code), in the flat config of ESLint ≥ 9. Type-aware: the rules read tsconfig.json.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', '.tools/', '.data/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // recommended for safety: forgetting to await Activities and Workflow APIs is bad
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-deprecated': 'warn',
      // code style preference
      'object-shorthand': ['error', 'always'],
      // relaxed rules, for convenience
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins there.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', ...builtinModules.flatMap((m) => [m, `node:${m}`])],
    },
  },
);
