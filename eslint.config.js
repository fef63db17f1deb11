import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const VUE_LAYER = ['vue', 'pinia', '@vueuse/*', '@vue/*']

export default tseslint.config(
  { ignores: ['dist/**', 'dist-playground/**', 'node_modules/**', 'coverage/**', 'tests/browser/artifacts/**', 'tests/bench/results/**'] },
  ...tseslint.configs.strict,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'eqeqeq': ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/no-v-html': 'error',
    },
  },
  {
    // Tests index into arrays they just checked; `!` there is clearer than a guard per line.
    files: ['tests/**', 'playground/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The framework-free core: rules and data only.
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: [...VUE_LAYER, 'axios', 'ws', 'pngjs', 'node:*'], message: 'src/core is framework-free: no Vue, Pinia, vueuse, axios or Node modules.' }] }],
    },
  },
  {
    // The engine: plain state and the socket through a WebSocket constructor or factory, for any framework or none.
    files: ['src/client/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: VUE_LAYER, message: 'src/client is framework-free: no Vue, Pinia or vueuse (the Vue layer feeds it through its options).' }] }],
    },
  },
  {
    files: ['src/http/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: VUE_LAYER, message: 'src/http depends on axios and core only, never on Vue, Pinia or vueuse.' }] }],
    },
  },
)
