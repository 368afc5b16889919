import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from '../dataset.js';
import { MANIFEST_FILE_NAME } from '../manifest.js';

/**
 * Verified reads for `packDataset`: when `srcDir` is a dataset (has a manifest), opens it and checks every
 * partition's header and block checksums and its manifest entry (`Dataset.verify()`), then closes it. A
 * folder without a manifest is packed file by file as it is (nothing to check it against).
 * @throws the first typed error found (`BlockChecksumMismatchError`, `HeaderChecksumMismatchError`,
 *   `DatasetMismatchError`, `PartitionChecksumError`, …).
 */
export function verifyPackSource(srcDir: string): void {
  if (!existsSync(join(srcDir, MANIFEST_FILE_NAME))) return;
  const dataset = Dataset.open(srcDir);
  try {
    dataset.verify();
  } finally {
    dataset.close();
  }
}
