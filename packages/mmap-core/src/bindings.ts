/**
 * Thin typed layer over the native `@riaskov/mmap-io` binding. Each function mirrors one system call;
 * native failures become {@link MmapSyscallError} in exactly one helper ({@link callNative}).
 *
 * Facts about the binding (read from its C++ source, `src/mmap-io.cc`, v1.4.3):
 * - `map(size, prot, flags, fd, offset)` reads `size` and `offset` as C `int`: sizes must be < 2^31.
 *   The returned Buffer owns the mapping; `munmap` runs in its GC finalizer (there is no explicit unmap).
 * - `advise(buf, offset, length, advice)` calls `madvise(data + offset, length, advice)` where `data` is
 *   the Buffer's start: `data + offset` must be page-aligned (else `EINVAL`).
 * - `incore(buf)` calls `mincore(data, length)` on the Buffer's own range (a page-aligned `subarray`
 *   works; an unaligned start gives `EINVAL`) and returns `[nonResidentPages, residentPages]`.
 * - Errors are thrown as `Error("<syscall> failed, <errno>")`.
 *
 * The module is loaded lazily with `createRequire` inside try/catch; if it fails, {@link nativeStatus}
 * reports why and the idiomatic layer falls back to reading files into memory. The package's own entry
 * point locates its `.node` file through `@mapbox/node-pre-gyp` and `npmlog` at run time, which costs
 * ~170 ms of module loading on every process and worker start (measured with `node --cpu-prof` on
 * this machine); {@link nativeBindingCandidates} therefore requires the compiled binding directly from
 * the two places its install writes it, and only falls back to the package entry when neither exists.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import type { Advice } from './advice.js';
import { type MmapSyscall, MmapSyscallError } from './errors.js';
import { trackMapping } from './mapping-budget.js';

/** Shape of the native module (the subset mmtape uses). */
interface NativeMmapIo {
  map(size: number, protection: number, flags: number, fd: number, offset?: number): Buffer;
  advise(buffer: Buffer, offset: number, length: number, advice: number): void;
  incore(buffer: Buffer): [number, number];
  readonly PROT_READ: number;
  readonly PROT_WRITE: number;
  readonly MAP_SHARED: number;
  readonly MADV_NORMAL: number;
  readonly MADV_RANDOM: number;
  readonly MADV_SEQUENTIAL: number;
  readonly MADV_WILLNEED: number;
  readonly MADV_DONTNEED: number;
  readonly PAGESIZE: number;
}

/**
 * Largest size, in bytes, plus one, that the binding can map: 2,147,483,647 = 2^31 - 1 = INT32_MAX,
 * because `map()` converts its size argument with `Nan::To<int>`. Mappings must be strictly smaller.
 */
export const MAX_MAPPING_BYTES = 2_147_483_647;

type LoadResult = { ok: true; native: NativeMmapIo } | { ok: false; reason: string };
let loaded: LoadResult | undefined;

/**
 * Paths where `@riaskov/mmap-io`'s install leaves its compiled binding, most specific first, for the
 * package folder `packageDir`: the node-pre-gyp `module_path` of its package.json
 * (`build/binding/Release/node-v<ABI>-<platform>-<arch>/mmap_io.node`, `<ABI>` = `process.versions.modules`)
 * and node-gyp's output `build/Release/mmap_io.node`.
 */
export function nativeBindingCandidates(packageDir: string): string[] {
  const abi = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;
  return [
    join(packageDir, 'build', 'binding', 'Release', abi, 'mmap_io.node'),
    join(packageDir, 'build', 'Release', 'mmap_io.node'),
  ];
}

/**
 * Requires the compiled binding directly when it is found, else the package entry (node-pre-gyp).
 * When both fail, the error of the direct load is thrown: a binding that exists but does not load (built
 * for another Node ABI, e.g. installed under Node 22 and run under Node 24: "Module did not self-register:
 * <path>") is the real cause, while the package entry only reports a missing `node-v<ABI>` folder.
 */
function requireNative(): unknown {
  const require = createRequire(import.meta.url);
  let directError: unknown;
  try {
    const packageDir = dirname(require.resolve('@riaskov/mmap-io/package.json'));
    for (const path of nativeBindingCandidates(packageDir)) {
      if (!existsSync(path)) continue;
      try {
        const mod = require(path) as Partial<NativeMmapIo>;
        if (typeof mod.map === 'function') return mod;
      } catch (error) {
        directError ??= error;
      }
    }
  } catch {
    // package not installed: the package entry below reports it
  }
  try {
    return require('@riaskov/mmap-io');
  } catch (error) {
    throw directError ?? error;
  }
}

function load(): LoadResult {
  if (loaded !== undefined) return loaded;
  try {
    const mod = requireNative() as NativeMmapIo & { default?: NativeMmapIo };
    const native = typeof mod.map === 'function' ? mod : mod.default;
    if (native === undefined || typeof native.map !== 'function') {
      loaded = { ok: false, reason: '@riaskov/mmap-io loaded but exports no map() function' };
    } else {
      loaded = { ok: true, native };
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    loaded = { ok: false, reason: `cannot load native module @riaskov/mmap-io: ${detail}` };
  }
  return loaded;
}

/** Whether the native binding loaded, and if not, why. Loads it on first call. */
export function nativeStatus(): { available: boolean; reason?: string } {
  const result = load();
  return result.ok ? { available: true } : { available: false, reason: result.reason };
}

/** `sysconf(_SC_PAGESIZE)` from the binding, or `undefined` if the binding is unavailable. */
export function nativePageSizeBytes(): number | undefined {
  const result = load();
  return result.ok ? result.native.PAGESIZE : undefined;
}

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name] as [number, string]),
);

/**
 * The one place where native failures are translated: runs `fn` with the loaded binding and turns a
 * thrown `"<syscall> failed, <errno>"` into {@link MmapSyscallError}. Throws `MmapSyscallError` with
 * `errno` `-1` if the binding is not loaded.
 */
function callNative<T>(
  syscall: MmapSyscall,
  context: { offsetBytes?: number; lengthBytes?: number },
  fn: (native: NativeMmapIo) => T,
): T {
  const result = load();
  if (!result.ok) {
    throw new MmapSyscallError(syscall, -1, undefined, { ...context, cause: new Error(result.reason) });
  }
  try {
    return fn(result.native);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const match = /(\d+)\s*$/.exec(message);
    const errno = match?.[1] === undefined ? -1 : Number(match[1]);
    throw new MmapSyscallError(syscall, errno, errnoNames.get(errno), { ...context, cause: error });
  }
}

/**
 * `mmap(NULL, lengthBytes, PROT_READ, MAP_SHARED, fd, 0)`. The fd may be closed right after.
 * @param fd open file descriptor (read access).
 * @param lengthBytes bytes to map, `0 < lengthBytes < MAX_MAPPING_BYTES` (the kernel rejects 0 with EINVAL).
 * @returns a Buffer over the mapping; `munmap` happens when it is garbage collected (counted live until
 *   then, see `mapping-budget.ts`).
 * @throws {MmapSyscallError} on failure.
 */
export function mapReadOnly(fd: number, lengthBytes: number): Buffer {
  return trackMapping(
    callNative('mmap', { offsetBytes: 0, lengthBytes }, (native) =>
      native.map(lengthBytes, native.PROT_READ, native.MAP_SHARED, fd, 0),
    ),
  );
}

/**
 * `mmap(NULL, lengthBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)`: stores through the Buffer are seen
 * by every process mapping the same file. The fd (opened read-write) may be closed right after.
 * @throws {MmapSyscallError} on failure (errno -1 when the binding is not loaded).
 */
export function mapSharedReadWrite(fd: number, lengthBytes: number): Buffer {
  return trackMapping(
    callNative('mmap', { offsetBytes: 0, lengthBytes }, (native) =>
      native.map(lengthBytes, native.PROT_READ | native.PROT_WRITE, native.MAP_SHARED, fd, 0),
    ),
  );
}

/**
 * `madvise(buffer + offsetBytes, lengthBytes, advice)`.
 * @param offsetBytes must make `buffer + offsetBytes` page-aligned (else EINVAL).
 * @throws {MmapSyscallError} on failure.
 */
export function madvise(buffer: Buffer, offsetBytes: number, lengthBytes: number, advice: Advice): void {
  callNative('madvise', { offsetBytes, lengthBytes }, (native) => {
    native.advise(buffer, offsetBytes, lengthBytes, adviceConstant(native, advice));
  });
}

/**
 * `mincore(buffer, buffer.length)`, summarised. `buffer` must start on a page boundary (a page-aligned
 * `subarray` of a mapping is fine).
 * @returns counts of resident and non-resident pages covering the buffer.
 * @throws {MmapSyscallError} on failure (EINVAL for an unaligned start, ENOMEM for unmapped memory).
 */
export function mincore(buffer: Buffer): { residentPages: number; nonResidentPages: number } {
  return callNative('mincore', { offsetBytes: buffer.byteOffset, lengthBytes: buffer.length }, (native) => {
    const [nonResidentPages, residentPages] = native.incore(buffer);
    return { residentPages, nonResidentPages };
  });
}

function adviceConstant(native: NativeMmapIo, advice: Advice): number {
  switch (advice) {
    case 'normal':
      return native.MADV_NORMAL;
    case 'random':
      return native.MADV_RANDOM;
    case 'sequential':
      return native.MADV_SEQUENTIAL;
    case 'willneed':
      return native.MADV_WILLNEED;
    case 'dontneed':
      return native.MADV_DONTNEED;
  }
}
