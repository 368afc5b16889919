import { fileURLToPath } from 'node:url';
import { loadedPackages } from '@mmtape/test-utils';
import { describe, expect, it } from 'vitest';

describe('walk-forward worker thread', () => {
  it('loads only the core of @mmtape/columnar-format: no ingest, export or pack stack', () => {
    const loaded = loadedPackages(fileURLToPath(new URL('../dist/worker.js', import.meta.url)));
    expect(loaded).toContain('@mmtape/columnar-format');
    for (const heavy of ['csv-parse', 'luxon', 'udsv', 'hyparquet', 'hyparquet-writer', 'apache-arrow']) {
      expect(loaded).not.toContain(heavy);
    }
    expect(loaded).not.toContain('@mmtape/compression');
  });
});
