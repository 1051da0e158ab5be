import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules', 'dist', '.tap', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Dependencies through their public API only: dependency-cruiser checks imports (public-api-only), this the
      // require() that createRequire gives ESM, which it does not see.
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.name='require'] > Literal[value=/^[^.][^:]*\\/(lib|src|internal)\\//]",
        message: "Load a dependency through its public exports, not one of its internal files."
      }]
    }
  },
  {
    // Entry points and the benchmark talk to a person on stdout.
    files: ['src/server.ts', 'src/demo.ts', 'src/store-copy.ts', 'test/bench/**'],
    rules: { 'no-console': 'off' }
  }
)
