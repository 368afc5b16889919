/**
 * Constants the command table (main.ts) shows in `--help`, kept apart from the modules that use them so
 * that `mmtape --help` loads none of those modules' dependencies.
 */

/** File names looked up in the working directory when `--config` is not given, in this order. */
export const CONFIG_FILE_NAMES = ['mmtape.config.json', 'mmtape.config.yaml', 'mmtape.config.yml'] as const;

/** Default folder of `mmtape cache` when neither an argument nor `cacheDir` in the config is given. */
export const DEFAULT_CACHE_DIR = '.mmtape-cache';

/** Output formats of `mmtape export`. */
export const EXPORT_FORMATS = ['arrow', 'csv', 'parquet'] as const;
/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
