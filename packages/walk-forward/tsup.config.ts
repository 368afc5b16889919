import { defineConfig } from 'tsup';

export default defineConfig({
  // dist/worker.js is the worker-thread entry of the pair-scan pool (see src/worker-pool.ts).
  entry: ['src/index.ts', 'src/worker.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
