// Release check, end to end (run after `pnpm build`): a real publish to a local npm registry, then each
// package installed alone by name, as a user would, and its README example run.
//
//  1. Starts Verdaccio (root devDependency) on a free 127.0.0.1 port, storage in a temp folder; it serves
//     `@mmtape/*` from its own storage only (anonymous read, publish by a throw-away user it registers)
//     and proxies every other package to the npm registry the machine is configured with.
//  2. Copies the workspace (package.json files, dist, READMEs, .changeset/; no node_modules) to a temp
//     folder and runs `changeset version` there, so the working tree is never modified, then
//     `changeset publish --no-git-tag` against the local registry (pnpm publish: `workspace:^` becomes a
//     real semver range). Checks every published manifest: no `workspace:` range left, each @mmtape
//     dependency a `^<published version>` range.
//  3. For each package, in two empty projects (npm, pnpm): installs the packages of its README's
//     install line (`npm i …` / `pnpm add …`; the package itself first: alone, plus what the README tells
//     the user to add for the example) by name from the registry, and runs each runnable ```ts block of
//     its README (the doc-test extraction, scripts/doc-tests) in a folder with `demo-data/` and
//     `data/sp500` (CONTRIBUTING.md, "README examples"). Native parts are reported as they came out:
//     the compression bar decoder (`native` when its install script compiled it, else `wasm`) and the
//     mmap binding (`mmap`, else the documented read-into-memory fallback). npm compiles optional native
//     dependencies from source when no prebuilt binary can be downloaded (zstd-napi takes minutes on two
//     cores), so only the rows of the packages that own native parts (compression, mmap-core) build them;
//     the other npm installs use --omit=optional (the documented fallbacks). pnpm 10 runs no dependency
//     install scripts unless allowed (`onlyBuiltDependencies`), so its rows show the fallbacks.
//  4. `npx @mmtape/cli demo` from the registry in an empty folder (optional dependencies omitted).
// Prints one summary line per package; exits 1 on any failure. Usage:
//   node scripts/publish-check.mjs [--keep] [--only <name>[,<name>]]   (env MMTAPE_PUBLISH_CHECK_JOBS: packages
//   checked at once, default 2)
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { extractBlocks, prepareDemoData } from './doc-tests/doc-tests.mjs';
import { REPO, workspacePackages } from './packages.mjs';

const keep = process.argv.includes('--keep');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : undefined;
const root = mkdtempSync(join(tmpdir(), 'mmtape-publish-'));
const t0 = Date.now();
const log = (line) => console.log(`[publish-check ${((Date.now() - t0) / 1000).toFixed(0)}s] ${line}`);

/** Runs a command; resolves { code, stdout, stderr } (never rejects; a timeout is code null). */
function run(cmd, args, { cwd, env = {}, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function mustRun(what, cmd, args, options) {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRegistry() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const uplink =
    (await run('npm', ['config', 'get', 'registry'])).stdout.trim() || 'https://registry.npmjs.org/';
  const dir = join(root, 'verdaccio');
  mkdirSync(dir);
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(dir, 'htpasswd')}`,
      '    algorithm: sha1', // a throw-away user: no bcrypt cost on every request
      'uplinks:',
      '  npmjs:',
      `    url: ${uplink}`,
      '    timeout: 60s',
      'packages:',
      "  '@mmtape/*':",
      '    access: $all',
      '    publish: $authenticated',
      '    unpublish: $authenticated',
      "  '**':",
      '    access: $all',
      '    proxy: npmjs',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const bin = join(REPO, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  const child = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  // A throw-away user: npm and pnpm refuse to publish without a token.
  const user = 'mmtape-publish-check';
  const res = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user, password: `pw-${process.pid}-${Date.now()}` }),
  });
  const { token } = await res.json();
  if (!token) throw new Error(`verdaccio did not register a user (${res.status})`);
  const npmrc = `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`;
  return { url, uplink, npmrc, child, output: () => output };
}

/** Workspace copy without node_modules, for `changeset version` + publish. */
function stageWorkspace() {
  const stage = join(root, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml'])
    cpSync(join(REPO, f), join(stage, f));
  cpSync(join(REPO, '.changeset'), join(stage, '.changeset'), { recursive: true });
  const skip = (src) => !/[/\\](node_modules|\.turbo)([/\\]|$)/.test(src);
  for (const group of ['packages', 'apps', 'tools']) {
    if (existsSync(join(REPO, group)))
      cpSync(join(REPO, group), join(stage, group), { recursive: true, filter: skip });
  }
  return stage;
}

/** Packages whose native parts the check builds with npm (the others install with --omit=optional). */
const NATIVE_OWNERS = ['@mmtape/compression', '@mmtape/mmap-core'];

/** The @mmtape packages a README's install line names (`npm i …`, `npm install …`, `pnpm add …`). */
function installLine(readme, name) {
  for (const line of readme.split('\n')) {
    const m = /^(?:npm i|npm install|pnpm add)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const names = m[1].split(/\s+/).filter((t) => t.startsWith('@mmtape/'));
    if (names.includes(name)) return [name, ...names.filter((n) => n !== name)];
  }
  return [name];
}

/**
 * An empty project with the registry configured in its own .npmrc (project config, read by npm, pnpm and
 * npx), so the user's config stays in force (e.g. `nodedir`, which lets node-gyp build native addons
 * without downloading headers).
 */
function project(dir, npmrc) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'check', private: true, type: 'module' }));
  writeFileSync(join(dir, '.npmrc'), npmrc);
  return dir;
}

/** Runs the README's runnable blocks in project `dir`; returns a list of failures. */
async function runExamples(dir, blocks, demo) {
  const failures = [];
  for (const b of blocks) {
    const js = ts.transpileModule(`${b.code}\nexport {};\n`, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const file = join(dir, `readme-L${b.line}.mjs`);
    writeFileSync(file, js);
    const cwd = join(dir, `run-L${b.line}`);
    mkdirSync(cwd);
    symlinkSync(demo.demo, join(cwd, 'demo-data'), 'dir');
    symlinkSync(join(demo.dir, 'data'), join(cwd, 'data'), 'dir');
    const r = await run(process.execPath, [file], { cwd, timeoutMs: 180_000 });
    if (r.code !== 0)
      failures.push(
        `README line ${b.line}: exit ${r.code}\n${r.stderr.trim().split('\n').slice(0, 12).join('\n')}`,
      );
  }
  return failures;
}

/** What the native parts came out as, seen from the installed package. */
async function nativeStatus(dir, name) {
  const probes = {
    '@mmtape/compression':
      "const m = await import('@mmtape/compression'); console.log('decoder ' + m.decodeBackend());",
    '@mmtape/mmap-core':
      "const m = await import('@mmtape/mmap-core'); const s = m.mmapStatus(); console.log('files ' + s.backend + (s.reason ? ' (' + s.reason.slice(0, 48) + '…)' : ''));",
  };
  if (!probes[name]) return '';
  writeFileSync(join(dir, 'probe.mjs'), probes[name]);
  const r = await run(process.execPath, ['probe.mjs'], { cwd: dir });
  return r.code === 0 ? r.stdout.trim() : `probe failed: ${r.stderr.trim().split('\n')[0]}`;
}

async function checkPackage({ pkg, dir: pkgDir }, version, registry, demo) {
  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  const names = installLine(readme, pkg.name);
  const blocks = extractBlocks(readme, relative(REPO, join(pkgDir, 'README.md'))).filter(
    (b) => b.kind === 'run',
  );
  const row = { name: pkg.name, version, installed: names.join(' '), examples: blocks.length };
  const short = pkg.name.replace('@mmtape/', '');
  await Promise.all(
    ['npm', 'pnpm'].map(async (manager) => {
      const dir = project(join(root, 'projects', `${manager}-${short}`), registry.npmrc);
      const specs = names.map((n) => `${n}@${n === pkg.name ? version : 'latest'}`);
      // npm compiles optional native dependencies from source here (zstd-napi: minutes on 2 cores): only
      // the rows of the packages that own them compile them; the others omit optional dependencies and
      // take the documented fallbacks. pnpm 10 runs no dependency install scripts unless allowed.
      const omit = manager === 'npm' && !NATIVE_OWNERS.includes(pkg.name) ? ['--omit=optional'] : [];
      const args =
        manager === 'npm'
          ? ['install', '--no-audit', '--no-fund', '--loglevel=error', ...omit, ...specs]
          : ['add', '--reporter=silent', ...specs];
      row[`${manager}Omit`] = omit.length > 0;
      const env = { npm_config_registry: registry.url };
      const started = Date.now();
      const r = await run(manager, args, { cwd: dir, env, timeoutMs: 600_000 });
      row[`${manager}Seconds`] = Math.round((Date.now() - started) / 1000);
      if (r.code !== 0) {
        row[manager] = `install FAILED (exit ${r.code})`;
        row[`${manager}Error`] = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15).join('\n');
        return;
      }
      row[manager] = 'ok';
      const failures = await runExamples(dir, blocks, demo);
      row[`${manager}Example`] = failures.length === 0 ? 'ok' : 'FAILED';
      if (failures.length > 0) row[`${manager}Error`] = failures.join('\n');
      row[`${manager}Native`] = await nativeStatus(dir, pkg.name);
    }),
  );
  return row;
}

let ok = false;
let registry;
const rows = [];
try {
  const packages = workspacePackages().filter(
    ({ pkg }) => !only || only.includes(pkg.name.replace('@mmtape/', '')),
  );
  for (const { pkg, dir } of packages) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${pkg.name}: no dist/ (run pnpm build first)`);
  }
  registry = await startRegistry();
  log(`verdaccio on ${registry.url} (storage in ${root}; other packages from ${registry.uplink})`);

  const stage = stageWorkspace();
  const changeset = join(REPO, 'node_modules', '@changesets', 'cli', 'bin.js');
  const env = { npm_config_registry: registry.url };
  writeFileSync(join(stage, '.npmrc'), registry.npmrc);
  // pnpm publish resolves `workspace:` ranges from the installed links: link the workspace from the
  // store (offline, no install scripts: nothing is built here, dist/ was copied).
  await mustRun(
    'pnpm install (stage)',
    'pnpm',
    [
      'install',
      '--frozen-lockfile',
      '--offline',
      '--ignore-scripts',
      '--reporter=silent',
      // only the workspace packages: the root's devDependencies are not needed to publish
      '--filter=./packages/*',
      '--filter=./apps/*',
      '--filter=./tools/*',
    ],
    {
      cwd: stage,
      env,
    },
  );
  log('staged workspace linked (pnpm install --offline --ignore-scripts)');
  await mustRun('changeset version', process.execPath, [changeset, 'version'], { cwd: stage, env });
  const versions = Object.fromEntries(
    workspacePackages().map(({ pkg, dir }) => [
      pkg.name,
      JSON.parse(readFileSync(join(stage, relative(REPO, dir), 'package.json'), 'utf8')).version,
    ]),
  );
  log(
    `changeset version: ${Object.entries(versions)
      .map(([n, v]) => `${n}@${v}`)
      .join(' ')}`,
  );
  const pub = await mustRun('changeset publish', process.execPath, [changeset, 'publish', '--no-git-tag'], {
    cwd: stage,
    env,
    timeoutMs: 600_000,
  });
  log(
    `changeset publish: ${pub.stdout.split('\n').filter((l) => /published|success/i.test(l)).length} lines of success`,
  );

  // Published manifests: every @mmtape dependency a real range on the published version.
  for (const name of Object.keys(versions)) {
    const res = await fetch(`${registry.url}${name.replace('/', '%2f')}`);
    if (!res.ok) throw new Error(`${name} is not on the registry after publish (${res.status})`);
    const meta = await res.json();
    const manifest = meta.versions?.[versions[name]];
    if (!manifest) throw new Error(`${name}@${versions[name]} is not on the registry`);
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        if (String(range).startsWith('workspace:'))
          throw new Error(`${name} ${field}.${dep} is still ${range}`);
        if (dep.startsWith('@mmtape/') && range !== `^${versions[dep]}`) {
          throw new Error(`${name} ${field}.${dep} is ${range}, expected ^${versions[dep]}`);
        }
      }
    }
  }
  log('published manifests: no workspace: range, every @mmtape dependency ^<published version>');

  const demo = { ...prepareDemoData(root), dir: root };
  // Two packages at a time (each installs with npm and pnpm at once): downloads and native compiles overlap.
  const jobs = Number(process.env.MMTAPE_PUBLISH_CHECK_JOBS ?? 2);
  const queue = [...packages];
  const done = new Map();
  await Promise.all(
    Array.from({ length: Math.max(1, jobs) }, async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
        const row = await checkPackage(p, versions[p.pkg.name], registry, demo);
        done.set(p.pkg.name, row);
        log(
          `${row.name}@${row.version}: npm ${row.npm} (${row.npmSeconds}s), example ${row.npmExample ?? '-'}; pnpm ${row.pnpm} (${row.pnpmSeconds}s), example ${row.pnpmExample ?? '-'}`,
        );
        for (const m of ['npm', 'pnpm']) {
          if (row[`${m}Error`]) console.error(`  ${m}: ${row[`${m}Error`].replaceAll('\n', '\n    ')}`);
        }
      }
    }),
  );
  for (const p of packages) rows.push(done.get(p.pkg.name));

  // npx from the registry, in an empty folder.
  if (!only || only.includes('cli')) {
    const dir = project(join(root, 'projects', 'npx'), registry.npmrc);
    // as for the npm rows: the native parts were built and reported in their own rows
    const env2 = { npm_config_registry: registry.url, npm_config_omit: 'optional' };
    const r = await run('npx', ['--yes', `@mmtape/cli@${versions['@mmtape/cli']}`, 'demo', '--out', 'demo'], {
      cwd: dir,
      env: env2,
      timeoutMs: 600_000,
    });
    const wrote = ['report/report.json', 'report/report.html', 'dataset/CURRENT'].every((f) =>
      existsSync(join(dir, 'demo', f)),
    );
    rows.push({
      name: 'npx @mmtape/cli demo',
      npx: r.code === 0 && wrote ? 'ok' : `FAILED (exit ${r.code})`,
    });
    log(`npx @mmtape/cli demo: ${r.code === 0 && wrote ? 'ok' : 'FAILED'}`);
    if (!(r.code === 0 && wrote)) console.error(`${r.stdout}\n${r.stderr}`);
  }
  ok = rows.every((r) =>
    r.npx !== undefined
      ? r.npx === 'ok'
      : r.npm === 'ok' && r.pnpm === 'ok' && r.npmExample === 'ok' && r.pnpmExample === 'ok',
  );
} catch (error) {
  console.error(`[publish-check] FAILED: ${error.message}`);
  if (registry) console.error(registry.output().split('\n').slice(-20).join('\n'));
} finally {
  registry?.child.kill();
  if (keep) log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}

// Summary.
const pad = (s, n) => String(s ?? '').padEnd(n);
console.log('');
console.log(
  `${pad('package', 26)}${pad('version', 9)}${pad('npm', 8)}${pad('pnpm', 8)}${pad('example npm/pnpm', 18)}native (npm | pnpm)`,
);
for (const r of rows) {
  if (r.npx !== undefined) {
    console.log(`${pad(r.name, 26)}${pad('', 9)}${pad(r.npx, 8)}`);
    continue;
  }
  const example = r.examples === 0 ? 'none' : `${r.npmExample ?? '-'}/${r.pnpmExample ?? '-'}`;
  const native =
    r.npmNative || r.pnpmNative
      ? `${r.npmNative} | ${r.pnpmNative}`
      : r.npmOmit
        ? 'npm: --omit=optional'
        : '';
  console.log(
    `${pad(r.name, 26)}${pad(r.version, 9)}${pad(r.npm === 'ok' ? 'ok' : 'FAILED', 8)}${pad(r.pnpm === 'ok' ? 'ok' : 'FAILED', 8)}${pad(example, 18)}${native}`,
  );
}
log(ok ? 'publish check: ok' : 'publish check: FAILED');
process.exit(ok ? 0 : 1);
