/**
 * Codecs registered by name and by the id stored in frames. Built-in codecs are registered here with
 * a loader that imports their implementation on first use (blosc, lz4 and the zstd backends are
 * loaded lazily; filters are small and load with the package). `registerCodec` adds more.
 *
 * Ids are part of the on-disk format (byte per stage in the chain descriptor): never renumber. The id
 * table with each codec's params is in `FORMAT.md`, "Codec ids".
 *
 * @module
 */

import { CodecError, CodecOptionsError, UnknownCodecError } from './errors.js';

/** One stage of a codec chain, as given to the encoder. */
export type StageSpec =
  | { codec: 'zstd'; level?: number }
  | { codec: 'zlib'; level?: number }
  | { codec: 'lz4' }
  | {
      codec: 'blosc';
      cname?: 'lz4' | 'zlib' | 'zstd';
      clevel?: number;
      shuffle?: 'noshuffle' | 'shuffle' | 'bitshuffle';
      typesize?: number;
      blocksize?: number;
    }
  | { codec: 'shuffle'; typesize?: number }
  | { codec: 'bitshuffle'; typesize?: number }
  | { codec: 'delta' }
  | { codec: 'zigzag' }
  | { codec: 'decimal'; maxScale?: number; maxExceptionRatio?: number }
  | {
      codec: 'bar';
      /** 4 (open, high, low, close) or 5 (… volume) float64 columns laid end to end. Default 5. */
      columns?: 4 | 5;
    }
  | { codec: string; [option: string]: unknown };

/** Output of {@link Codec.encode}: the bytes for the next stage and the params decoding needs. */
export interface EncodedStage {
  bytes: Uint8Array;
  params: Uint8Array;
}

/** A codec: bytes in, bytes out, plus the few parameter bytes stored in the frame. */
export interface Codec {
  readonly name: string;
  readonly id: number;
  /** `undefined` means "not applicable to this input" (the decimal filter on non-decimal data). */
  encode(input: Uint8Array, spec: StageSpec): Promise<EncodedStage | undefined> | EncodedStage | undefined;
  /**
   * `rawLengthBytes` is the frame's raw length, given to the first stage of a chain only (the stage
   * whose output is the raw bytes), so that it can reject params announcing another size before
   * allocating.
   */
  decode(input: Uint8Array, params: Uint8Array, rawLengthBytes?: number): Promise<Uint8Array> | Uint8Array;
}

interface Entry {
  id: number;
  name: string;
  load: () => Codec | Promise<Codec>;
  codec?: Promise<Codec>;
}

const byName = new Map<string, Entry>();
const byId = new Map<number, Entry>();

/**
 * Registers a codec under `name` and frame id `id` (1..255), loaded by `load` on first use.
 *
 * @throws CodecOptionsError the id or name is taken.
 */
export function registerCodec(id: number, name: string, load: () => Codec | Promise<Codec>): void {
  if (!Number.isInteger(id) || id < 1 || id > 255 || byId.has(id)) {
    throw new CodecOptionsError('registry', 'id', 'a free integer in 1..255', id);
  }
  if (byName.has(name)) throw new CodecOptionsError('registry', 'name', 'a free name', name);
  const entry: Entry = { id, name, load };
  byName.set(name, entry);
  byId.set(id, entry);
}

/** Names of the registered codecs. */
export function listCodecs(): string[] {
  return [...byName.keys()];
}

function resolve(entry: Entry): Promise<Codec> {
  entry.codec ??= Promise.resolve()
    .then(entry.load)
    .catch((cause: unknown) => {
      entry.codec = undefined;
      throw new CodecError(entry.name, 'encode', `cannot load codec: ${String(cause)}`, { cause });
    });
  return entry.codec;
}

/** The codec named `name`. @throws UnknownCodecError */
export function codecByName(name: string): Promise<Codec> {
  const entry = byName.get(name);
  if (entry === undefined) return Promise.reject(new UnknownCodecError(name, listCodecs().join(', ')));
  return resolve(entry);
}

/** The codec with frame id `id`; `offsetBytes` locates the id in the frame for the error. @throws UnknownCodecError */
export function codecById(id: number, offsetBytes?: number): Promise<Codec> {
  const entry = byId.get(id);
  if (entry === undefined) {
    return Promise.reject(
      new UnknownCodecError(id, [...byId.values()].map((e) => `${e.id} (${e.name})`).join(', '), offsetBytes),
    );
  }
  return resolve(entry);
}

/** Id of a registered codec name, or `undefined`. */
export function codecIdOf(name: string): number | undefined {
  return byName.get(name)?.id;
}

/** Name of a registered codec id, or `undefined`. */
export function codecNameOf(id: number): string | undefined {
  return byId.get(id)?.name;
}

// Built-in codecs. The loaders import their modules lazily (tsup code-splits dynamic imports).
registerCodec(1, 'zstd', async () => (await import('./codecs/builtin-compressors.js')).zstdCodec);
registerCodec(2, 'blosc', async () => (await import('./codecs/builtin-compressors.js')).bloscCodec);
registerCodec(3, 'lz4', async () => (await import('./codecs/builtin-compressors.js')).lz4Codec);
registerCodec(4, 'zlib', async () => (await import('./codecs/builtin-compressors.js')).zlibCodec);
registerCodec(16, 'shuffle', async () => (await import('./filters/builtin-filters.js')).shuffleCodec);
registerCodec(17, 'bitshuffle', async () => (await import('./filters/builtin-filters.js')).bitshuffleCodec);
registerCodec(18, 'delta', async () => (await import('./filters/builtin-filters.js')).deltaCodec);
registerCodec(19, 'zigzag', async () => (await import('./filters/builtin-filters.js')).zigzagCodec);
registerCodec(20, 'decimal', async () => (await import('./filters/builtin-filters.js')).decimalCodec);
registerCodec(22, 'bar', async () => (await import('./bar/bar-stage.js')).barCodec);
