import { readFileSync } from 'node:fs';

/**
 * The version of `@mmtape/cli`, from its package.json (read once, when asked). `dist/bin.js` and
 * `src/main.ts` both sit one folder below the package root, so `../package.json` finds it from either.
 */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
