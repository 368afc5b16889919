import { defineConfig } from 'vitest/config';

/** Opt-in stress tests (GC pressure): `pnpm --filter @mmtape/mmap-core test:stress`. */
export default defineConfig({
  test: {
    include: ['test/stress/**/*.test.ts'],
    testTimeout: 300_000,
    pool: 'forks',
    execArgv: ['--expose-gc'],
  },
});
