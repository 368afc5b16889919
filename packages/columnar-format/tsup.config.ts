import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'pack/index': 'src/pack/index.ts',
    'interop/arrow': 'src/interop/arrow.ts',
    // Worker-thread entry of parallel ingest, loaded by piscina from dist/ (see src/ingest/ingest-pool.ts).
    'ingest-worker': 'src/ingest/ingest-worker.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: ['apache-arrow'],
});
