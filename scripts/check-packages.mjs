// Release check of every publishable package (run after `pnpm build`): publint, the package.json
// contract of docs/ARCHITECTURE.md / STYLE.md (ESM, exports with `types` first, `files` allowlist,
// publishConfig.access public), a README with install, a runnable example and an API overview, and the
// package graph embedded in docs/ARCHITECTURE.md equal to the one the imports draw.
// Prints one line per problem and exits 1 when there is any.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { checkArchitectureGraph } from './architecture-graph.mjs';
import { REPO, workspacePackages } from './packages.mjs';

const problems = [];
const report = (dir, text) => problems.push(`${relative(REPO, dir) || '.'}: ${text}`);

for (const { dir, pkg } of workspacePackages()) {
  const name = pkg.name;
  // publint: what a consumer would trip over (missing files, wrong export conditions, ...).
  const { messages } = await publint({ pkgDir: dir, level: 'warning', strict: true });
  for (const m of messages) report(dir, `publint ${m.type}: ${formatMessage(m, pkg) ?? m.code}`);

  if (pkg.type !== 'module') report(dir, 'package.json "type" must be "module" (ESM only)');
  if (!Array.isArray(pkg.files) || pkg.files.length === 0)
    report(dir, 'package.json needs a "files" allowlist');
  else if (!pkg.files.includes('README.md')) report(dir, '"files" must include README.md');
  if (pkg.publishConfig?.access !== 'public') report(dir, 'publishConfig.access must be "public"');
  if (!pkg.exports?.['./package.json']) report(dir, 'exports must include "./package.json"');
  for (const [path, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== 'object' || target === null) continue;
    const keys = Object.keys(target);
    if (keys[0] !== 'types')
      report(dir, `exports["${path}"]: "types" must be the first condition (found ${keys.join(', ')})`);
    for (const [cond, file] of Object.entries(target)) {
      if (typeof file === 'string' && !existsSync(join(dir, file)))
        report(dir, `exports["${path}"].${cond}: ${file} does not exist (run pnpm build)`);
    }
  }
  for (const [dep, range] of Object.entries({ ...pkg.dependencies, ...pkg.peerDependencies })) {
    if (dep.startsWith('@mmtape/') && !String(range).startsWith('workspace:'))
      report(dir, `${dep}: internal dependencies use workspace:^ (got ${range})`);
  }

  // README: install, runnable example, API overview.
  const readmePath = join(dir, 'README.md');
  if (!existsSync(readmePath)) {
    report(dir, 'README.md is missing');
    continue;
  }
  const readme = readFileSync(readmePath, 'utf8');
  const escaped = name.replace(/[/.]/g, (c) => `\\${c}`);
  if (!new RegExp(`(npm (i|install)|pnpm add|yarn add)( -g)? ${escaped}\\b`).test(readme)) {
    report(dir, `README.md: no install command (e.g. "npm i ${name}")`);
  }
  const codeBlocks = [...readme.matchAll(/```(ts|js|sh|bash)\n([\s\S]*?)```/g)].map((m) => m[2]);
  const isCli = Boolean(pkg.bin);
  const hasExample = codeBlocks.some((b) => (isCli ? /\bmmtape \w+/.test(b) : b.includes(`from '${name}`)));
  if (!hasExample)
    report(
      dir,
      `README.md: no runnable example (a code block ${isCli ? 'running mmtape' : `importing from '${name}'`})`,
    );
  if (!/^#{2,3} .*\b(API|Commands)\b/m.test(readme))
    report(dir, 'README.md: no "## API" (or "## Commands") overview section');
}

// docs/ARCHITECTURE.md's package graph must be the one the imports draw (scripts/architecture-graph.mjs).
for (const p of checkArchitectureGraph()) problems.push(`docs/ARCHITECTURE.md: ${p}`);

// Every package with native kernels ships the same install-time build script (each published package
// runs its own): the copies must not drift apart.
const nativeBuilds = workspacePackages()
  .map(({ dir }) => join(dir, 'scripts', 'build-native.mjs'))
  .filter((f) => existsSync(f));
for (const f of nativeBuilds.slice(1)) {
  if (readFileSync(f, 'utf8') !== readFileSync(nativeBuilds[0], 'utf8'))
    problems.push(
      `${relative(REPO, f)}: differs from ${relative(REPO, nativeBuilds[0])} (keep the copies identical)`,
    );
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-packages: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(
  `check-packages: ${workspacePackages().length} packages ok (publint, package.json contract, README sections)`,
);
