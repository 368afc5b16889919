// One-off scaffold for package folders (kept for reference when adding packages).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const pkgs = {
  'mmap-core': {
    desc: 'Memory-mapped files for Node: map read-only, madvise, mincore residency, a map pool, and a read-into-memory fallback.',
    deps: { '@riaskov/mmap-io': '1.4.3' },
  },
  'columnar-format': {
    desc: 'The mmtape binary columnar file: header + 64-byte aligned columns, zero-copy typed-array views, writer, dataset manifest and CSV ingest.',
    deps: { '@mmtape/mmap-core': 'workspace:^', 'csv-parse': '^6.1.0', luxon: '^3.7.2' },
    dev: { '@types/luxon': '^3.7.1' },
  },
  compression: {
    desc: 'Codecs for market data: zstd in a self-describing, checksummed frame.',
    deps: { '@bokuweb/zstd-wasm': '^0.0.27' },
  },
  prefetch: {
    desc: 'A madvise sliding-window prefetcher for memory-mapped column files.',
    deps: { '@mmtape/mmap-core': 'workspace:^' },
  },
  'merge-replay': {
    desc: 'k-way merge that replays many time-sorted streams in one global timestamp order.',
    deps: {
      '@mmtape/columnar-format': 'workspace:^',
      '@mmtape/prefetch': 'workspace:^',
      '@mmtape/mmap-core': 'workspace:^',
    },
  },
  'walk-forward': {
    desc: 'Pairs trading walk-forward backtests: Engle-Granger cointegration, half-life, z-score trading, metrics.',
    deps: {
      '@mmtape/columnar-format': 'workspace:^',
      '@mmtape/merge-replay': 'workspace:^',
      '@mmtape/cache-manager': 'workspace:^',
    },
  },
  'cache-manager': {
    desc: 'Compressed, atomically written on-disk cache of intermediate results keyed by a hash of their inputs.',
    deps: { '@mmtape/compression': 'workspace:^' },
  },
};
for (const [dir, p] of Object.entries(pkgs)) {
  const root = `packages/${dir}`;
  mkdirSync(`${root}/src`, { recursive: true });
  mkdirSync(`${root}/test`, { recursive: true });
  writeFileSync(
    `${root}/package.json`,
    JSON.stringify(
      {
        name: `@mmtape/${dir}`,
        version: '0.1.0',
        description: p.desc,
        license: 'MIT',
        type: 'module',
        sideEffects: false,
        engines: { node: '>=20' },
        exports: {
          '.': { types: './dist/index.d.ts', import: './dist/index.js' },
          './package.json': './package.json',
        },
        main: './dist/index.js',
        types: './dist/index.d.ts',
        files: ['dist', 'README.md', ...(dir === 'columnar-format' ? ['FORMAT.md'] : [])],
        scripts: {
          build: 'tsup',
          typecheck: 'tsc --noEmit -p tsconfig.json',
          test: 'vitest run --root ../.. packages/' + dir,
        },
        dependencies: p.deps,
        devDependencies: p.dev ?? {},
        publishConfig: { access: 'public' },
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(
    `${root}/tsconfig.json`,
    JSON.stringify(
      {
        extends: '../../tsconfig.base.json',
        compilerOptions: { rootDir: '.', outDir: 'dist' },
        include: ['src', 'test'],
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(
    `${root}/tsup.config.ts`,
    `import { defineConfig } from 'tsup';\n\nexport default defineConfig({\n  entry: ['src/index.ts'],\n  format: ['esm'],\n  dts: true,\n  sourcemap: true,\n  clean: true,\n  target: 'node20',\n});\n`,
  );
  if (!existsSync(`${root}/src/index.ts`)) writeFileSync(`${root}/src/index.ts`, `export {};\n`);
}
