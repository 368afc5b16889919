// README examples as tests: extract every ```ts / ```typescript block of the root README.md, every
// packages/*/README.md and apps/cli/README.md, type-check them with tsc against the built packages
// (dist types), and run the runnable ones with node on the demo data.
//
// Block markers (the info string after ```ts):
//   ```ts            type-checked and run
//   ```ts no-run     type-checked, not run (needs data or time the test does not have)
//   ```ts signature  an API summary: checked as ambient declarations (`declare namespace`), with every
//                    name the package exports in scope; not run
// Runnable blocks run in a fresh folder per block that holds `demo-data/` (the 30 CSV files of
// apps/cli/demo-data/sp500-30) and `data/sp500` (those files ingested: a dataset). Examples refer to
// these two relative paths; see CONTRIBUTING.md, "README examples".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { REPO, workspacePackages } from '../packages.mjs';

export const BLOCK_KINDS = ['run', 'no-run', 'signature'];

/** README files whose TypeScript blocks are tested: root, packages/*, apps/cli. */
export function readmeFiles(repo = REPO) {
  const files = [join(repo, 'README.md')];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(repo, group)).sort()) {
      const f = join(repo, group, name, 'README.md');
      if (existsSync(f)) files.push(f);
    }
  }
  return files;
}

/**
 * The ```ts / ```typescript blocks of a Markdown text: { line (1-based, of the fence), kind, code }.
 * An unknown marker after the language is an error, so a typo never silently skips a block.
 */
export function extractBlocks(markdown, file = '<markdown>') {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(ts|typescript)\b\s*(.*)$/.exec(lines[i]);
    if (!m) {
      // skip other fenced blocks whole, so a ``` inside them is not taken for a fence
      if (/^```/.test(lines[i])) {
        i++;
        while (i < lines.length && !/^```\s*$/.test(lines[i])) i++;
      }
      continue;
    }
    const marker = m[2].trim();
    const kind = marker === '' ? 'run' : marker;
    if (!BLOCK_KINDS.includes(kind)) {
      throw new Error(
        `${file}:${i + 1}: unknown code block marker "${marker}" (use ${BLOCK_KINDS.slice(1).join(' or ')})`,
      );
    }
    const start = i + 1;
    i++;
    const body = [];
    while (i < lines.length && !/^```\s*$/.test(lines[i])) body.push(lines[i++]);
    if (i >= lines.length) throw new Error(`${file}:${start}: code block never closed`);
    blocks.push({ line: start, kind, code: body.join('\n') });
  }
  return blocks;
}

/** Every block of every README, with `file` (relative to the repo), `pkg` (package name or undefined) and an `id`. */
export function allBlocks(repo = REPO) {
  const names = new Map(workspacePackages().map(({ dir, pkg }) => [relative(repo, dir), pkg.name]));
  const out = [];
  for (const path of readmeFiles(repo)) {
    const file = relative(repo, path);
    const pkg = names.get(relative(repo, join(path, '..')));
    for (const b of extractBlocks(readFileSync(path, 'utf8'), file)) {
      const id = `${file.replace(/[/.]/g, '_')}_L${b.line}`;
      out.push({ ...b, file, pkg, id });
    }
  }
  return out;
}

/**
 * Entry points of a built package: `[specifier, types file]` for the root entry and every subpath of its
 * package.json `exports` (`@mmtape/columnar-format/export` → `dist/export/index.d.ts`).
 */
export function entryPoints(name, pkg, pkgDir) {
  const entries = [];
  for (const [key, target] of Object.entries(pkg.exports ?? { '.': { types: 'dist/index.d.ts' } })) {
    if (typeof target !== 'object' || target === null || typeof target.types !== 'string') continue;
    entries.push([key === '.' ? name : `${name}${key.slice(1)}`, join(pkgDir, target.types)]);
  }
  return entries;
}

/** Names exported by one built entry point (values and types), read from its `.d.ts` export list. */
export function exportedNames(dtsPath) {
  const dts = readFileSync(dtsPath, 'utf8');
  const names = new Set();
  for (const m of dts.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name) names.add(name);
    }
  }
  for (const m of dts.matchAll(
    /export\s+(?:declare\s+)?(?:class|function|const|interface|type|enum)\s+(\w+)/g,
  )) {
    names.add(m[1]);
  }
  return [...names];
}

/**
 * TypeScript source of one block as a module. A signature block is wrapped in `declare namespace`, with
 * every name it uses imported (as a type) from its package or, failing that, from one of the package's
 * @mmtape dependencies.
 */
export function blockSource(block, packages) {
  if (block.kind !== 'signature') return `${block.code}\nexport {};\n`;
  const declared = new Set(
    [...block.code.matchAll(/^\s*(?:class|function|const|interface|type|enum)\s+(\w+)/gm)].map((m) => m[1]),
  );
  const own = block.pkg ? packages.get(block.pkg) : undefined;
  const sources = own
    ? [block.pkg, ...Object.keys(own.pkg.dependencies ?? {}).filter((d) => packages.has(d))]
    : [];
  const imported = new Set();
  const lines = [];
  for (const source of sources) {
    const { pkg, dir } = packages.get(source);
    for (const [specifier, dtsPath] of entryPoints(source, pkg, dir)) {
      const names = exportedNames(dtsPath).filter(
        (n) => !declared.has(n) && !imported.has(n) && new RegExp(`\\b${n}\\b`).test(block.code),
      );
      for (const n of names) imported.add(n);
      if (names.length > 0) lines.push(`import type { ${names.join(', ')} } from '${specifier}';`);
    }
  }
  return `${lines.join('\n')}\ndeclare namespace Signature {\n${block.code}\n}\nexport {};\n`;
}

/**
 * Lays out `dir` for type-checking and running blocks: node_modules/@mmtape/* linked to the workspace
 * packages (so `@mmtape/x` resolves to its package.json exports and dist types, as for a user), a
 * package.json with type module, a tsconfig, one .ts file per block under src/.
 */
export function writeWorkspace(dir, blocks) {
  const packages = new Map(workspacePackages().map((p) => [p.pkg.name, p]));
  mkdirSync(join(dir, 'node_modules', '@mmtape'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  for (const [name, { dir: d }] of packages) {
    const link = join(dir, 'node_modules', name);
    if (!existsSync(link)) symlinkSync(d, link, 'dir');
  }
  const typesNode = join(REPO, 'node_modules', '@types', 'node');
  if (!existsSync(join(dir, 'node_modules', '@types', 'node'))) {
    symlinkSync(typesNode, join(dir, 'node_modules', '@types', 'node'), 'dir');
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'mmtape-doc-tests', private: true, type: 'module' }),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          types: ['node'],
          outDir: 'out',
          rootDir: 'src',
          noEmitOnError: false,
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  mkdirSync(join(dir, 'src'), { recursive: true });
  for (const b of blocks) writeFileSync(join(dir, 'src', `${b.id}.ts`), blockSource(b, packages));
}

/** Runs tsc once over `dir` (emits out/*.js); returns diagnostics per block id (strings). */
export function typeCheck(dir) {
  const tsc = createRequire(join(REPO, 'package.json')).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
  const byId = new Map();
  for (const line of `${r.stdout}${r.stderr}`.split('\n')) {
    const m = /src[/\\]([\w-]+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line);
    if (!m) continue;
    const list = byId.get(m[1]) ?? [];
    list.push(`line ${m[2]}: ${m[4]}`);
    byId.set(m[1], list);
  }
  const unattributed = r.status !== 0 && byId.size === 0 ? `${r.stdout}${r.stderr}`.trim() : '';
  if (unattributed) throw new Error(`tsc failed: ${unattributed}`);
  return byId;
}

/** Ingests the demo CSV files into `<dir>/data/sp500` with the built CLI (once). */
export function prepareDemoData(dir) {
  const demo = join(REPO, 'apps', 'cli', 'demo-data', 'sp500-30');
  const dataset = join(dir, 'data', 'sp500');
  if (!existsSync(dataset)) {
    const bin = join(REPO, 'apps', 'cli', 'dist', 'bin.js');
    const r = spawnSync(process.execPath, [bin, 'ingest', demo, '--out', dataset], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ingest of the demo data failed: ${r.stderr}`);
  }
  return { demo, dataset };
}

/**
 * Runs the compiled block `out/<id>.js` of `dir` with node in a fresh folder `run/<id>` holding
 * `demo-data` and `data` (links). Returns { status, stdout, stderr }.
 */
export function runBlock(dir, block, { timeoutMs = 120_000 } = {}) {
  const { demo } = prepareDemoData(dir);
  const cwd = join(dir, 'run', block.id);
  mkdirSync(cwd, { recursive: true });
  if (!existsSync(join(cwd, 'demo-data'))) symlinkSync(demo, join(cwd, 'demo-data'), 'dir');
  if (!existsSync(join(cwd, 'data'))) symlinkSync(join(dir, 'data'), join(cwd, 'data'), 'dir');
  const r = spawnSync(process.execPath, [join(dir, 'out', `${block.id}.js`)], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr || (r.error ? String(r.error) : '') };
}
