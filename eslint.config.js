import neostandard from 'neostandard'

// The folders of src/ in layers that point inward: state at the bottom (it imports only itself,
// src/errors.ts and node built-ins), the gate's pure decisions on top of it, everything else above.
const ABOVE_GATE = [
  'store', 'public', 'admin', 'reopen', 'schedule', 'health', 'config', 'cli', 'cluster', 'firewall',
  'notify', 'metrics', 'runtime', 'page', 'console', 'connections', 'sample', 'input', 'feed'
]
const ROOT_FILES = ['../server.js', '../cli.js', '../demo.js']
const outOf = (folders) => folders.map((folder) => `../${folder}/*`)

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tap/**', 'bench/out/**'] }),
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error'
    }
  },
  {
    files: ['src/state/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: [...outOf(['gate', ...ABOVE_GATE]), ...ROOT_FILES],
          message: 'src/state/ is the bottom layer: it imports only src/state/, src/errors.ts and node built-ins.'
        }]
      }]
    }
  },
  {
    files: ['src/gate/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: [...outOf(ABOVE_GATE), ...ROOT_FILES],
          message: 'src/gate/ imports only src/gate/, src/state/, src/errors.ts and node built-ins.'
        }]
      }]
    }
  }
]
