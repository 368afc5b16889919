import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InvalidRangeError, MappedFileChangedError, MappedFileClosedError } from './errors.js';

/** Where a mapping's bytes live on disk: the path it was opened with and the file's device and inode. */
export interface FileIdentity {
  path: string;
  device: number;
  inode: number;
}

/** A descriptor shared by every reader of one mapped file (a segment's slices share their file's). */
interface SharedDescriptor {
  /** The descriptor, or -1 when the file at the path is no longer the mapped one (read the mapping). */
  fd: number;
  readers: number;
}

const descriptors = new WeakMap<FileIdentity, SharedDescriptor>();

/**
 * Many reads of a mapped file's bytes through one read-only descriptor, kept open until {@link close}
 * (see `MappedFile.openReader`). The bytes come from `pread(2)`: they pass through the page cache but
 * no page is mapped into the process, so a reader that copies what it needs into buffers of its own (a
 * replay larger than memory) keeps its resident set to those buffers. Readers of one file, and of the
 * slices of one file, share one descriptor. When the file at the mapped path is no longer the mapped
 * one (renamed over since the mapping was made), when the file was read into memory (the fallback
 * backend) or for an empty file, the bytes are copied from the mapping, which holds what every other
 * reader sees.
 */
export class MappedFileReader {
  readonly #path: string;
  readonly #buffer: Buffer;
  readonly #baseOffsetBytes: number;
  readonly #identity: FileIdentity | undefined;
  #shared: SharedDescriptor | undefined;
  #closed = false;

  /** Internal: made by `MappedFile.openReader`. */
  constructor(path: string, buffer: Buffer, baseOffsetBytes: number, identity: FileIdentity | undefined) {
    this.#path = path;
    this.#buffer = buffer;
    this.#baseOffsetBytes = baseOffsetBytes;
    this.#identity = identity;
    if (identity === undefined || buffer.length === 0) return;
    let shared = descriptors.get(identity);
    if (shared === undefined || shared.readers === 0) {
      shared = { fd: openIdentical(identity), readers: 0 };
      descriptors.set(identity, shared);
    }
    shared.readers++;
    this.#shared = shared;
  }

  /**
   * Copies bytes `[offsetBytes, offsetBytes + lengthBytes)` of the mapped file (or slice) into
   * `target[targetOffsetBytes, targetOffsetBytes + lengthBytes)`.
   * @throws {InvalidRangeError} when either range is not made of non-negative integers or ends past its
   *   array or the file.
   * @throws {MappedFileChangedError} when the file ends before the range (truncated since it was mapped).
   * @throws {MappedFileClosedError} after {@link close}.
   */
  read(target: Uint8Array, targetOffsetBytes: number, lengthBytes: number, offsetBytes: number): void {
    if (this.#closed) throw new MappedFileClosedError(this.#path, 'read');
    if (
      !(offsetBytes >= 0 && lengthBytes >= 0 && targetOffsetBytes >= 0) ||
      offsetBytes + lengthBytes > this.#buffer.length ||
      targetOffsetBytes + lengthBytes > target.length ||
      !Number.isSafeInteger(offsetBytes + lengthBytes + targetOffsetBytes)
    ) {
      throw new InvalidRangeError(this.#path, offsetBytes, lengthBytes, this.#buffer.length);
    }
    const fd = this.#shared?.fd ?? -1;
    if (fd < 0) {
      target.set(this.#buffer.subarray(offsetBytes, offsetBytes + lengthBytes), targetOffsetBytes);
      return;
    }
    const position = this.#baseOffsetBytes + offsetBytes;
    let filled = 0;
    while (filled < lengthBytes) {
      const read = readSync(fd, target, targetOffsetBytes + filled, lengthBytes - filled, position + filled);
      if (read === 0) throw new MappedFileChangedError(this.#path, position + filled, lengthBytes - filled);
      filled += read;
    }
  }

  /** Releases this reader's share of the descriptor (closed with the last reader). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const shared = this.#shared;
    if (shared === undefined) return;
    shared.readers--;
    if (shared.readers === 0 && shared.fd >= 0) {
      closeSync(shared.fd);
      shared.fd = -1;
      descriptors.delete(this.#identity!);
    }
  }
}

/** Opens the file at `identity.path` when it is still the mapped one (same device and inode); else -1. */
function openIdentical(identity: FileIdentity): number {
  let fd: number;
  try {
    fd = openSync(identity.path, 'r');
  } catch {
    return -1;
  }
  try {
    const stats = fstatSync(fd);
    if (stats.dev === identity.device && stats.ino === identity.inode) return fd;
  } catch {
    // fall through: read the mapping
  }
  closeSync(fd);
  return -1;
}
