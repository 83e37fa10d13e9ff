import {defineConfig} from 'vitest/config';

// Unit tests run in parallel and may stub; end-to-end tests share the sandbox's hosts, so they run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        // Inlined packages whose published source maps name missing files would warn for every module.
        logLevel: 'error',
        test: {
          name: 'unit',
          include: ['{packages,actions}/*/test/**/*.test.ts'],
          exclude: ['**/*.e2e.test.ts', '**/node_modules/**'],
          // @actions/workflow-parser imports its JSON schema without `with {type: 'json'}`, which Node refuses;
          // inlined, vite loads it.
          server: {deps: {inline: ['@actions/workflow-parser']}},
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['{packages,actions}/*/test/**/*.e2e.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
