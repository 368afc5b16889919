import { defineConfig } from 'tsup';

export default defineConfig({
  // dist/willneed-worker-thread.js is the entry of the WillneedWorker thread (src/willneed-worker.ts).
  entry: { index: 'src/index.ts', 'willneed-worker-thread': 'src/willneed-worker-thread.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
