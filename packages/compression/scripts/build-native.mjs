// Builds a package's optional native kernels (native/*.c, N-API; native/binding.gyp, kept out of the
// package root so that package managers do not run node-gyp on install) into
// native/build/Release/<the binding's target_name>.node
// with node-gyp, using the running Node's own headers when it ships them (<prefix>/include/node, as
// distro packages and the npm `node` package do), so that no download is needed. Run by the package's
// `install` script (so that registry installs get it too; pnpm 10 runs it only for packages listed in
// `onlyBuiltDependencies`) and by its `build`. Never fails the build: without a C compiler, node-gyp or
// headers it prints why, and the package uses its WebAssembly kernels instead. Skips the compile when the
// stamp records the same sources, platform and architecture. MMTAPE_NO_NATIVE=1 skips it altogether.
// The same file in every package with native kernels (@mmtape/compression, @mmtape/merge-replay: each
// published package runs its own at install); scripts/check-packages.mjs checks that the copies agree.
//   node packages/<package>/scripts/build-native.mjs [--force]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const native = join(pkg, 'native');
const target = JSON.parse(readFileSync(join(native, 'binding.gyp'), 'utf8')).targets[0].target_name;
const addon = join(native, 'build', 'Release', `${target}.node`);
const name = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).name;
const stampFile = join(native, 'build', 'mmtape-native.stamp');

if (process.env.MMTAPE_NO_NATIVE === '1') {
  rmSync(join(native, 'build'), { recursive: true, force: true });
  console.log(`build-native: ${name}: MMTAPE_NO_NATIVE=1, skipped (its WebAssembly kernels are used)`);
  process.exit(0);
}

const hash = createHash('sha256');
for (const f of readdirSync(native)
  .filter((f) => /\.(c|h|gyp)$/.test(f))
  .sort()) {
  hash.update(`${f}\0`).update(readFileSync(join(native, f)));
}
const stamp = hash.update(`\0${process.platform}\0${process.arch}\0${process.execPath}`).digest('hex');
if (
  !process.argv.includes('--force') &&
  existsSync(addon) &&
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8') === stamp
) {
  process.exit(0);
}

function unavailable(reason) {
  rmSync(join(native, 'build'), { recursive: true, force: true });
  console.warn(
    `build-native: ${name}: native kernels not built (${reason}); its WebAssembly kernels will be used`,
  );
  process.exit(0);
}

// npm and pnpm tell install scripts where their own node-gyp is; else the workspace's devDependency.
let gyp = process.env.npm_config_node_gyp;
if (gyp === undefined || !existsSync(gyp)) {
  try {
    gyp = createRequire(join(pkg, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    unavailable('node-gyp is not installed');
  }
}
const prefix = dirname(dirname(process.execPath));
const args = [gyp, 'rebuild'];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const run = spawnSync(process.execPath, args, { cwd: native, encoding: 'utf8' });
if (run.status !== 0 || !existsSync(addon)) {
  const tail = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n  ');
  unavailable(`node-gyp exited with ${run.status ?? run.error}:\n  ${tail}`);
}
writeFileSync(stampFile, stamp);
console.log(`build-native: ${name}: built ${addon}`);
