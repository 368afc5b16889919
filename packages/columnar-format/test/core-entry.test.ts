import { fileURLToPath } from 'node:url';
import { loadedPackages } from '@mmtape/test-utils';
import { describe, expect, it } from 'vitest';

const dist = (entry: string) => fileURLToPath(new URL(`../dist/${entry}`, import.meta.url));

/** Third-party packages of the layers: none of them may load with the core entry. */
const HEAVY = [
  '@mmtape/compression',
  'apache-arrow',
  'csv-parse',
  'hyparquet',
  'hyparquet-compressors',
  'hyparquet-writer',
  'luxon',
  'piscina',
  'udsv',
];

describe('entry points (built dist/, fresh process)', () => {
  it('the core entry loads hash-wasm and two mmtape packages, nothing of ingest, export or pack', () => {
    // What a walk-forward worker thread pays to open a column file. At most two third-party packages.
    const loaded = loadedPackages(dist('index.js'));
    expect(loaded).toEqual(['@mmtape/errors', '@mmtape/mmap-core', 'hash-wasm']);
    for (const heavy of HEAVY) expect(loaded).not.toContain(heavy);
  });

  it('each layer loads its own stack', () => {
    // hyparquet is imported on the first Parquet input (read-parquet-file.ts), not at load.
    expect(loadedPackages(dist('ingest/index.js'))).toEqual(
      expect.arrayContaining(['csv-parse', 'luxon', 'piscina', 'udsv']),
    );
    const exported = loadedPackages(dist('export/index.js'));
    expect(exported).toEqual(expect.arrayContaining(['@mmtape/compression', 'hyparquet-writer']));
    expect(exported).not.toContain('piscina');
    const pack = loadedPackages(dist('pack/index.js'));
    expect(pack).toContain('@mmtape/compression');
    expect(pack).not.toContain('csv-parse');
  });

  it('the time entry loads luxon and nothing else of the layers', () => {
    // parseTimestampNs and formatTimestampNs for commands that neither ingest nor export (replay, info).
    const loaded = loadedPackages(dist('time/index.js'));
    expect(loaded).toContain('luxon');
    for (const heavy of HEAVY.filter((p) => p !== 'luxon')) expect(loaded).not.toContain(heavy);
  });
});
