// The publishable packages of the workspace (folder, package.json), shared by the release checks.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @returns {{ dir: string, pkg: any }[]} every non-private package under packages/ and apps/. */
export function workspacePackages() {
  const out = [];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(REPO, group)).sort()) {
      const dir = join(REPO, group, name);
      let pkg;
      try {
        pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (!pkg.private) out.push({ dir, pkg });
    }
  }
  return out;
}
