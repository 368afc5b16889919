import { defineConfig } from 'tsup';

export default defineConfig({
  // dist/worker.js is the worker-thread entry of the pair-scan pool (see src/worker-pool.ts);
  // dist/cluster/index.js is the `@mmtape/walk-forward/cluster` subpath (BullMQ, loaded only by cluster runs).
  entry: { index: 'src/index.ts', worker: 'src/worker.ts', 'cluster/index': 'src/cluster/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
