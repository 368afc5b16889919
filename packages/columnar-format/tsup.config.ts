import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    // The core: column file, header, checksums, manifest, dataset (generations), writers. Keep it light:
    // test/core-entry.test.ts fails when it loads a heavy dependency.
    index: 'src/index.ts',
    // The layers, one subpath export each (package.json "exports").
    'ingest/index': 'src/ingest/index.ts',
    'export/index': 'src/export/index.ts',
    'pack/index': 'src/pack/index.ts',
    // parseTimestampNs and formatTimestampNs alone, for commands that do not ingest or export.
    'time/index': 'src/time/index.ts',
    'interop/arrow': 'src/interop/arrow.ts',
    // Worker-thread entry of parallel ingest, loaded by piscina from dist/ (see src/ingest/ingest-pool.ts).
    'ingest/ingest-worker': 'src/ingest/ingest-worker.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: ['apache-arrow'],
});
