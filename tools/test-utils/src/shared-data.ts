import { fileURLToPath } from 'node:url';

/**
 * The folder of the real market data the tests read (`sp500-5yr-daily`, `us-1min-2018q1-sample`,
 * `russell1000-30min-2days`; each has a SOURCE.md): `$MMTAPE_SHARED_DATA` when set, else `shared/data`
 * beside the repository (`<repo>/../shared/data`), as CI has it. `.ci/run` sets the variable for a clone
 * made elsewhere (a temp folder) from a repository that has the data beside it. The folder may not exist:
 * tests check and say so.
 */
export function sharedDataDir(): string {
  const fromEnv = process.env.MMTAPE_SHARED_DATA;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // tools/test-utils/src → the repository root is three folders up.
  return fileURLToPath(new URL('../../../../shared/data', import.meta.url));
}
