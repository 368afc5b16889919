import type { Dataset } from './dataset.js';

/** How the column files of one dataset generation are stored on disk (FORMAT.md, "Segment files"). */
export interface DatasetFileCounts {
  /** Column files (partitions) over all symbols, whether stored alone or inside a segment file. */
  columnFiles: number;
  /** Segment files holding column files as members; 0 when every column file is a file of its own. */
  segmentFiles: number;
  /** Files in the generation folder holding column data: standalone column files plus segment files. */
  filesOnDisk: number;
}

/**
 * Counts the column files of `dataset` and the segment files that hold them, from its manifest (no
 * folder listing: files the manifest does not name, such as leases or temp files, are not counted).
 *
 * @example
 * ```ts
 * const ds = Dataset.open('data/us1m');
 * const { segmentFiles, columnFiles } = countDatasetFiles(ds); // e.g. 2 segments holding 3,000 files
 * ds.close();
 * ```
 */
export function countDatasetFiles(dataset: Dataset): DatasetFileCounts {
  const segments = new Set<string>();
  let columnFiles = 0;
  let standalone = 0;
  for (const symbol of dataset.symbols) {
    for (const p of dataset.partitions(symbol)) {
      columnFiles++;
      if (p.offsetBytes === undefined) standalone++;
      else segments.add(p.file);
    }
  }
  return { columnFiles, segmentFiles: segments.size, filesOnDisk: standalone + segments.size };
}
