import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ColumnFile } from '../column-file.js';
import { Dataset } from '../dataset.js';
import { isMmtapeError } from '../errors.js';
import { MANIFEST_FILE_NAME, readManifest } from '../manifest.js';
import { COLUMN_FILE_EXTENSION } from '../symbol-file-name.js';

/**
 * Verified reads for `packDataset`. When `srcDir` is a dataset (a valid manifest), opens it and checks
 * every partition's header and block checksums and its manifest entry (`Dataset.verify()`). Otherwise
 * (pack also takes folders that are not datasets) every `*.col` file directly in `srcDir` that opens as a
 * column file has its blocks checked; files that do not open are packed whole as they are, but one whose
 * header checksum fails is refused.
 * @throws the first typed error found (`BlockChecksumMismatchError`, `HeaderChecksumMismatchError`,
 *   `DatasetMismatchError`, `PartitionChecksumError`, …).
 */
export function verifyPackSource(srcDir: string): void {
  let isDataset = false;
  if (existsSync(join(srcDir, MANIFEST_FILE_NAME))) {
    try {
      readManifest(srcDir);
      isDataset = true;
    } catch (e) {
      if (!isMmtapeError(e, 'MMTAPE_DATASET_INVALID_MANIFEST')) throw e;
    }
  }
  if (isDataset) {
    const dataset = Dataset.open(srcDir);
    try {
      dataset.verify();
    } finally {
      dataset.close();
    }
    return;
  }
  for (const name of readdirSync(srcDir)) {
    if (!name.endsWith(COLUMN_FILE_EXTENSION)) continue;
    let file: ColumnFile;
    try {
      file = ColumnFile.open(join(srcDir, name));
    } catch (e) {
      if (isMmtapeError(e, 'MMTAPE_FORMAT_HEADER_CHECKSUM_MISMATCH')) throw e;
      continue;
    }
    try {
      file.verify();
    } finally {
      file.close();
    }
  }
}
