import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONFIG_FILE_NAMES } from './cli-constants.js';
import { CliUsageError } from './cli-error.js';

/**
 * The config file a command reads: `explicitPath` (`--config`) resolved against `cwd`, else the first of
 * {@link CONFIG_FILE_NAMES} in `cwd`; `undefined` when there is none. Kept apart from config-file.ts,
 * whose schema brings zod, yaml and `@mmtape/walk-forward` (~0.4 s to load): a command run without a
 * config file loads none of them.
 * @throws CliUsageError when `explicitPath` does not exist.
 */
export function findConfigFile(explicitPath: string | undefined, cwd: string): string | undefined {
  if (explicitPath) {
    const path = resolve(cwd, explicitPath);
    if (!existsSync(path)) throw new CliUsageError(`config file ${explicitPath} not found`);
    return path;
  }
  return CONFIG_FILE_NAMES.map((n) => resolve(cwd, n)).find((p) => existsSync(p));
}
