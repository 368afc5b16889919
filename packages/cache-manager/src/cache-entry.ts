/**
 * One cache entry file: its bytes, how it is bound to its key, and how it is read without trusting
 * the file system.
 *
 * An entry file is an `@mmtape/compression` frame (magic, codec, raw length, CRC-32) whose raw bytes are:
 *
 * ```
 * offset  size  field
 *      0     4  magic        0x89 'M' 'C' 'E' ("mmtape cache entry")
 *      4     4  version      u32 LE, 1
 *      8    32  key digest   SHA-256 of the key (UTF-8), the key the entry was written under
 *     40     …  container    UTF-8 JSON (putJson) or the array container (putArrays, array-container.ts)
 * ```
 *
 * The 40-byte prefix keeps the container 8-byte aligned (the blosc shuffle of float64 arrays depends on
 * it). A reader recomputes the digest of the key it asked for: a well-formed entry found under another
 * key (copied, renamed, or a hash-prefix folder mix-up) is a miss, never a wrong hit.
 *
 * Reading never follows a link and never reads more than the size limit: `lstat` must show a regular
 * file, the file is opened with `O_NOFOLLOW | O_NONBLOCK` and `fstat`ed again (a swap between the two
 * calls is caught), and both the size on disk and the raw length announced by the frame header are
 * checked against `maxEntryBytes` before anything is allocated or decoded.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rmdir, unlink, writeFile } from 'node:fs/promises';
import { decodeFrame, readFrameHeader } from '@mmtape/compression';
import { isMmtapeError, writeFileAtomicAsync } from '@mmtape/errors';
import { CacheIoError } from './errors.js';

/** Magic of an entry's raw bytes: 0x89 'M' 'C' 'E' (0x89 never starts JSON text or a frame). */
export const CACHE_ENTRY_MAGIC: readonly number[] = Object.freeze([0x89, 0x4d, 0x43, 0x45]);
/** Version of the entry prefix. */
const ENTRY_VERSION = 1;
/** Bytes before the container: magic 4 + version 4 + SHA-256 32. */
export const CACHE_ENTRY_PREFIX_BYTES = 40;

/** Why an entry file was rejected (then removed and counted; the read is a miss). */
export type BadEntryReason =
  /** Frame checksum, truncation, codec failure, bad prefix, malformed JSON or array container. */
  | 'corrupt'
  /** A well-formed entry whose stored key digest is not that of the key asked for. */
  | 'wrong-key'
  /** A directory, symbolic link, FIFO, device... where an entry file should be. */
  | 'not-a-file'
  /** Larger on disk, or announcing a larger raw length, than `maxEntryBytes`. */
  | 'too-large';

/** Outcome of {@link readEntryFile}. */
export type EntryRead =
  | { status: 'absent' }
  | { status: 'ok'; container: Uint8Array }
  | { status: 'bad'; reason: BadEntryReason; detail: string }
  | { status: 'io-error'; cause: unknown };

/** SHA-256 of the key's UTF-8 bytes (32 bytes). */
function keyDigest(key: string): Uint8Array {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The raw bytes of an entry: prefix binding it to `key`, then `container`. */
export function bindToKey(key: string, container: Uint8Array): Uint8Array {
  const out = new Uint8Array(CACHE_ENTRY_PREFIX_BYTES + container.length);
  out.set(CACHE_ENTRY_MAGIC, 0);
  new DataView(out.buffer).setUint32(4, ENTRY_VERSION, true);
  out.set(keyDigest(key), 8);
  out.set(container, CACHE_ENTRY_PREFIX_BYTES);
  return out;
}

/**
 * Reads the entry file `path` for `key`: `absent` (no file, or a path component is not a folder), `ok`
 * with the container, `bad` with a reason, or `io-error` (permission, I/O error: the file is left alone).
 */
export async function readEntryFile(path: string, key: string, maxEntryBytes: number): Promise<EntryRead> {
  let size: number;
  try {
    const info = await lstat(path);
    if (!info.isFile()) return { status: 'bad', reason: 'not-a-file', detail: describeKind(info) };
    size = info.size;
  } catch (cause) {
    return isAbsent(cause) ? { status: 'absent' } : { status: 'io-error', cause };
  }
  if (size > maxEntryBytes) {
    return { status: 'bad', reason: 'too-large', detail: `${size} bytes on disk, limit ${maxEntryBytes}` };
  }
  let file: Uint8Array;
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      if (!info.isFile()) return { status: 'bad', reason: 'not-a-file', detail: describeKind(info) };
      if (info.size > maxEntryBytes) {
        return {
          status: 'bad',
          reason: 'too-large',
          detail: `${info.size} bytes on disk, limit ${maxEntryBytes}`,
        };
      }
      file = new Uint8Array(info.size);
      let at = 0;
      while (at < file.length) {
        const { bytesRead } = await handle.read(file, at, file.length - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      if (at < file.length) file = file.subarray(0, at); // shrank while read: the frame check fails
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (isAbsent(cause)) return { status: 'absent' };
    if ((cause as { code?: unknown }).code === 'ELOOP') {
      return { status: 'bad', reason: 'not-a-file', detail: 'a symbolic link' };
    }
    return { status: 'io-error', cause };
  }
  let raw: Uint8Array;
  try {
    const header = readFrameHeader(file);
    if (header.rawLengthBytes > maxEntryBytes) {
      return {
        status: 'bad',
        reason: 'too-large',
        detail: `frame announces ${header.rawLengthBytes} raw bytes, limit ${maxEntryBytes}`,
      };
    }
    raw = await decodeFrame(file);
  } catch (cause) {
    return {
      status: 'bad',
      reason: 'corrupt',
      detail: cause instanceof Error ? cause.message : String(cause),
    };
  }
  if (
    raw.length < CACHE_ENTRY_PREFIX_BYTES ||
    !CACHE_ENTRY_MAGIC.every((b, i) => raw[i] === b) ||
    new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(4, true) !== ENTRY_VERSION
  ) {
    return {
      status: 'bad',
      reason: 'corrupt',
      detail: 'no mmtape cache entry prefix (magic 894d4345, version 1)',
    };
  }
  const expected = keyDigest(key);
  const stored = raw.subarray(8, CACHE_ENTRY_PREFIX_BYTES);
  if (!expected.every((b, i) => stored[i] === b)) {
    return {
      status: 'bad',
      reason: 'wrong-key',
      detail: `entry was written under another key (digest ${Buffer.from(stored).toString('hex').slice(0, 16)}…)`,
    };
  }
  return { status: 'ok', container: raw.subarray(CACHE_ENTRY_PREFIX_BYTES) };
}

/**
 * Removes a rejected entry: unlinks a file or link (never what a link points to), removes a directory
 * only when empty. Resolves the error message when it could not be removed, else `undefined`.
 */
export async function removeBadEntry(path: string): Promise<string | undefined> {
  try {
    const info = await lstat(path);
    if (info.isDirectory()) await rmdir(path);
    else await unlink(path);
    return undefined;
  } catch (cause) {
    if (isAbsent(cause)) return undefined;
    return cause instanceof Error ? cause.message : String(cause);
  }
}

/**
 * Writes `bytes` to `path` atomically with `writeFileAtomicAsync` of `@mmtape/errors` (a unique temp file
 * `<path>.tmp-<pid>-<12 hex>` in the same folder, then `rename()`: atomic on POSIX and on NTFS for
 * same-volume renames; not fsynced: a cache entry lost in a power cut is only a miss). Creates the
 * folder; retries once if a concurrent `clear()` removed it between `mkdir` and the write.
 *
 * @throws CacheIoError (the temp file is removed).
 */
export async function writeEntryFile(path: string, bytes: Uint8Array): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFileAtomicAsync(path, (tmp) => writeFile(tmp, bytes), {
        durable: false,
        what: 'cache entry',
      });
      return;
    } catch (error) {
      // The Node error itself (not its SystemCallError wrapper): CacheIoError takes its kind from it.
      const cause = isMmtapeError(error, 'MMTAPE_SYSTEM_CALL_FAILED') ? error.cause : error;
      if (attempt === 0 && (cause as { code?: unknown }).code === 'ENOENT') continue;
      throw new CacheIoError('write', path, cause);
    }
  }
}

function describeKind(info: { isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** ENOENT, or ENOTDIR (a path component is a file: no entry can be there). */
function isAbsent(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
