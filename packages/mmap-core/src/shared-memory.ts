/**
 * A small read-write memory region two processes share: a file (in `/dev/shm` when it exists, else the OS
 * temp folder) mapped `MAP_SHARED` by each. A replay and its prefetch helper process exchange cursors and
 * control words through one, without messages: a process that never turns its event loop (a synchronous
 * replay) can still publish to another.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_MAPPING_BYTES, mapSharedReadWrite } from './bindings.js';
import { InvalidRangeError, MappedFileOpenError } from './errors.js';

/**
 * A shared read-write mapping of a small file. Make one with {@link SharedMemory.create}; the other
 * process maps the same {@link path} with {@link SharedMemory.open}. Word-sized aligned stores are seen
 * whole by the other process (x86-64 and arm64 guarantee it for naturally aligned 32-bit words); there is
 * no lock and no wake-up: readers poll. The mapping lives until its Buffer is garbage collected;
 * {@link unlink} removes the file (mappings already made stay valid).
 *
 * Needs the native binding (`mmapStatus().backend === 'mmap'`): without it there is nothing to share and
 * `create` / `open` throw `MmapSyscallError` (errno -1).
 */
export class SharedMemory {
  /** The file behind the mapping (give it to the other process). */
  readonly path: string;
  /** The mapped bytes (zeroed by `create`). */
  readonly buffer: Buffer;

  private constructor(path: string, buffer: Buffer) {
    this.path = path;
    this.buffer = buffer;
  }

  /**
   * Creates `mmtape-shm-<pid>-<random>` of `byteLength` zero bytes in `/dev/shm` (memory, never written
   * back to a disk) or, where that folder does not exist, the OS temp folder, and maps it.
   * @param byteLength size in bytes, an integer in `[1, MAX_MAPPING_BYTES)`.
   * @throws {InvalidRangeError} for a bad size (path `SharedMemory.create`); {@link MappedFileOpenError} when
   *   the file cannot be written (a partly written file is removed); `MmapSyscallError` when it cannot be
   *   mapped.
   */
  static create(byteLength: number): SharedMemory {
    if (!Number.isSafeInteger(byteLength) || byteLength < 1 || byteLength >= MAX_MAPPING_BYTES) {
      throw new InvalidRangeError('SharedMemory.create', 0, byteLength, MAX_MAPPING_BYTES - 1);
    }
    const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const path = join(dir, `mmtape-shm-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      writeFileSync(path, Buffer.alloc(byteLength), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') rmSync(path, { force: true });
      throw new MappedFileOpenError(path, error);
    }
    try {
      return SharedMemory.open(path, byteLength);
    } catch (error) {
      rmSync(path, { force: true });
      throw error;
    }
  }

  /**
   * Maps `byteLength` bytes of the existing file `path` read-write and shared.
   * @throws {MappedFileOpenError} when the file cannot be opened; {@link InvalidRangeError} when it is
   *   shorter than `byteLength` (a mapping past the end would kill the process with SIGBUS on first
   *   touch); `MmapSyscallError` when it cannot be mapped.
   */
  static open(path: string, byteLength: number): SharedMemory {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (error) {
      throw new MappedFileOpenError(path, error);
    }
    try {
      const sizeBytes = fstatSync(fd).size;
      if (!Number.isSafeInteger(byteLength) || byteLength < 1 || byteLength > sizeBytes) {
        throw new InvalidRangeError(path, 0, byteLength, sizeBytes);
      }
      return new SharedMemory(path, mapSharedReadWrite(fd, byteLength));
    } finally {
      closeSync(fd);
    }
  }

  /** Removes the file (idempotent); both processes' mappings stay valid. */
  unlink(): void {
    rmSync(this.path, { force: true });
  }
}
