/**
 * Opt-in lifecycle logging: when the environment variable `MMTAPE_LOG` is `debug` (read on every call,
 * so it can be toggled at runtime), lines prefixed `mmtape:mmap` go to stderr. Silent otherwise.
 * Internal; not exported from the package.
 */
export function debugLog(message: string): void {
  if (process.env.MMTAPE_LOG === 'debug') console.error(`mmtape:mmap ${message}`);
}
