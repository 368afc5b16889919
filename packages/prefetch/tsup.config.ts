import { defineConfig } from 'tsup';

export default defineConfig({
  // dist/willneed-worker-process.js is the entry of the WillneedWorker helper process (src/willneed-worker.ts).
  entry: { index: 'src/index.ts', 'willneed-worker-process': 'src/willneed-worker-process.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
