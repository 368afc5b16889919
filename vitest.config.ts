import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Root vitest config: the README's test command runs every package's tests from here.
 * `@mmtape/<pkg>` resolves to that package's TypeScript sources, so tests never run stale builds.
 * Stress tests (`test/stress/`) and benchmarks are opt-in and excluded.
 */
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@mmtape\/columnar-format\/(ingest|export|pack)$/,
        replacement: `${root}packages/columnar-format/src/$1/index.ts`,
      },
      {
        find: '@mmtape/columnar-format/arrow',
        replacement: `${root}packages/columnar-format/src/interop/arrow.ts`,
      },
      {
        find: /^@mmtape\/(errors|mmap-core|columnar-format|compression|prefetch|merge-replay|walk-forward|cache-manager)$/,
        replacement: `${root}packages/$1/src/index.ts`,
      },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/test/stress/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
