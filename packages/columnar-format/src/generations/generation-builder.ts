/**
 * Builds one generation of a dataset folder and publishes it (FORMAT.md, "Dataset folder"): files go
 * into `<dataset>/.tmp-<owner>/`, which is renamed to `<dataset>/gen-<id>/` and then made current by one
 * atomic rename of the pointer `CURRENT`. Used by `DatasetWriter` (ingest) and `hydrateDataset`.
 */

import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetWriterError } from '../errors.js';
import { type CollectGenerationsReport, collectGenerations } from './collect-generations.js';
import {
  fsyncDirectory,
  LEASES_DIR_NAME,
  newGenerationName,
  publishGeneration,
  TEMP_GENERATION_PREFIX,
} from './dataset-layout.js';
import { dropOwnLease, writeOwnLease } from './generation-lease.js';
import { newOwnerToken } from './process-owner.js';

/** What {@link GenerationBuilder.publish} did. */
export interface PublishedGeneration {
  /** Name of the published generation folder, `gen-…`. */
  generation: string;
  /** Absolute path of the generation folder. */
  generationDir: string;
  /**
   * The garbage collection run after publishing (superseded generations removed unless leased), or the
   * error it failed with: publishing succeeded either way, leftovers go with the next write or `mmtape gc`.
   */
  collected: CollectGenerationsReport | { error: unknown };
}

/**
 * A generation under construction.
 *
 * @example
 * ```ts
 * const b = GenerationBuilder.begin('data/sp500');
 * writeFileSync(join(b.tempDir, 'manifest.json'), ...); // and the column files
 * b.publish();   // or b.abort()
 * ```
 */
export class GenerationBuilder {
  /** Dataset folder (absolute, created if missing). */
  readonly datasetDir: string;
  /** Folder the generation's files are written into until {@link publish}: `<dataset>/.tmp-<owner>`. */
  readonly tempDir: string;
  readonly #durable: boolean;
  readonly #createdDatasetDir: boolean;
  readonly #leasePath: string;
  #state: 'open' | 'published' | 'aborted' = 'open';

  private constructor(datasetDir: string, durable: boolean) {
    this.datasetDir = datasetDir;
    this.#durable = durable;
    this.#createdDatasetDir = !existsSync(datasetDir);
    mkdirSync(datasetDir, { recursive: true });
    if (!this.#createdDatasetDir) {
      try {
        collectGenerations(datasetDir); // stale temp folders of killed writers go with the next write
      } catch {
        // a failed cleanup never blocks a write; `mmtape gc` reports it
      }
    }
    const token = newOwnerToken();
    this.tempDir = join(datasetDir, `${TEMP_GENERATION_PREFIX}${token}`);
    mkdirSync(join(this.tempDir, LEASES_DIR_NAME), { recursive: true });
    // The writer's lease moves with the folder when it becomes gen-<id>, so no collector removes the
    // generation between that rename and the pointer update.
    this.#leasePath = writeOwnLease(this.tempDir, token);
  }

  /**
   * Starts a generation in `datasetDir` (absolute; created when missing). Runs a garbage collection of
   * the existing folder first (temp folders of dead writers, unleased superseded generations).
   * @param options.durable fsync the folders before each rename (default `true`).
   */
  static begin(datasetDir: string, options: { durable?: boolean } = {}): GenerationBuilder {
    return new GenerationBuilder(datasetDir, options.durable ?? true);
  }

  /**
   * Renames the temp folder to a fresh `gen-<id>`, points `CURRENT` at it (the atomic step), drops the
   * writer's lease and removes superseded generations no live process leases.
   * @throws Node.js I/O errors of the renames; the temp folder is then removed (the dataset unchanged).
   */
  publish(): PublishedGeneration {
    this.#assertOpen();
    const generation = newGenerationName();
    const generationDir = join(this.datasetDir, generation);
    const leaseName = this.#leasePath.slice(this.tempDir.length + 1);
    try {
      if (this.#durable) fsyncDirectory(this.tempDir);
      renameSync(this.tempDir, generationDir);
    } catch (e) {
      this.abort();
      throw e;
    }
    this.#state = 'published';
    try {
      publishGeneration(this.datasetDir, generation, this.#durable);
    } catch (e) {
      rmSync(generationDir, { recursive: true, force: true });
      dropOwnLease(join(generationDir, leaseName), this.#leasePath);
      this.#removeCreatedDatasetDir();
      throw e;
    }
    dropOwnLease(join(generationDir, leaseName), this.#leasePath);
    let collected: PublishedGeneration['collected'];
    try {
      collected = collectGenerations(this.datasetDir, { keep: generation });
    } catch (error) {
      collected = { error };
    }
    return { generation, generationDir, collected };
  }

  /** Removes the temp folder (and the dataset folder if this builder created it and it is empty). Idempotent. */
  abort(): void {
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    rmSync(this.tempDir, { recursive: true, force: true });
    dropOwnLease(this.#leasePath);
    this.#removeCreatedDatasetDir();
  }

  #removeCreatedDatasetDir(): void {
    if (!this.#createdDatasetDir) return;
    try {
      if (readdirSync(this.datasetDir).length === 0) rmdirSync(this.datasetDir);
    } catch {
      // another writer is using the folder now
    }
  }

  #assertOpen(): void {
    if (this.#state !== 'open') {
      throw new DatasetWriterError(`${this.datasetDir}: generation builder is ${this.#state}`, {
        path: this.datasetDir,
      });
    }
  }
}
