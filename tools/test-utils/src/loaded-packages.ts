import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Resolve hook run inside the child process: prints every bare specifier that is not a Node builtin,
 * reduced to its package name (`hyparquet/src/schema.js` → `hyparquet`, `@scope/name/x` → `@scope/name`).
 * Every import of a package, direct or transitive, goes through `resolve` with such a specifier. The hook
 * runs on the loader thread, whose `process.stdout` is asynchronous: Node 24 can exit before it flushes,
 * so each line goes to fd 1 with a synchronous `writeSync`.
 */
const HOOK = `
import { writeSync } from 'node:fs';
import { isBuiltin } from 'node:module';
export async function resolve(specifier, context, next) {
  if (!/^(\\.|\\/|[a-z]+:)/.test(specifier) && !isBuiltin(specifier)) {
    const parts = specifier.split('/');
    writeSync(1, 'LOADED ' + (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/') + '\\n');
  }
  return next(specifier, context);
}`;

/**
 * The packages (npm and workspace) that importing the built module `entryFile` loads, in a fresh Node
 * process: what a worker thread pays in start-up time and memory for that entry. Sorted, unique.
 *
 * @throws Error when `entryFile` does not exist (run `pnpm build` first) or the import fails.
 */
export function loadedPackages(entryFile: string): string[] {
  if (!existsSync(entryFile)) throw new Error(`${entryFile} does not exist: run pnpm build first`);
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(register)}`,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(pathToFileURL(entryFile).href)});`,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`importing ${entryFile} failed (exit ${r.status}):\n${r.stderr}`);
  const names = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice('LOADED '.length));
  return [...new Set(names)].sort();
}
