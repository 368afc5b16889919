/**
 * Codec chains: stages applied in order when encoding, in reverse when decoding, and the chain
 * descriptor stored in every frame (byte layout: `FORMAT.md`, "Chain descriptor"). A chain of no
 * stage stores the raw bytes as the payload.
 *
 * @module
 */

import { type Codec, codecById, codecByName, codecIdOf, type StageSpec } from './codec-registry.js';
import { CodecError, CodecOptionsError, FrameTruncatedError } from './errors.js';
import { fusedTailDecode } from './filters/fused-decode.js';

/** A stage as stored in a frame. */
export interface ChainStage {
  codec: string;
  id: number;
  params: Uint8Array;
}

/** Most stages a chain may have. */
export const MAX_CHAIN_STAGES = 32;

/**
 * Runs `stages` over `raw`. A stage whose codec returns `undefined` (not applicable) makes the whole
 * chain return `undefined`, so callers can fall back to another chain.
 */
export async function encodeChain(
  raw: Uint8Array,
  stages: readonly StageSpec[],
): Promise<{ payload: Uint8Array; stages: ChainStage[] } | undefined> {
  if (stages.length > MAX_CHAIN_STAGES) {
    throw new CodecOptionsError('chain', 'stages', `0..${MAX_CHAIN_STAGES} stages`, stages.length);
  }
  let bytes = raw;
  const out: ChainStage[] = [];
  for (const spec of stages) {
    const codec: Codec = await codecByName(spec.codec);
    const r = await codec.encode(bytes, spec);
    if (r === undefined) return undefined;
    out.push({ codec: codec.name, id: codec.id, params: r.params });
    bytes = r.bytes;
  }
  return { payload: bytes, stages: out };
}

/** Decodes `payload` through `stages` in reverse order. */
export async function decodeChain(
  payload: Uint8Array,
  stages: readonly ChainStage[],
  rawLengthBytes?: number,
): Promise<Uint8Array> {
  let bytes = payload;
  for (let i = stages.length - 1; i >= 0; i--) {
    // Default column chains: undo decimal/delta/zigzag/shuffle in one pass (filters/fused-decode.ts).
    if (i >= 2 && i < stages.length - 1) {
      try {
        const fused = fusedTailDecode(bytes, stages.slice(0, i + 1));
        if (fused !== undefined) return fused;
      } catch (cause) {
        throw new CodecError('decimal', 'decode', String(cause), { cause });
      }
    }
    const stage = stages[i] as ChainStage;
    const codec = await codecById(stage.id);
    try {
      bytes = await codec.decode(bytes, stage.params, i === 0 ? rawLengthBytes : undefined);
    } catch (cause) {
      if ((cause as { code?: unknown })?.code !== undefined) throw cause;
      throw new CodecError(stage.codec, 'decode', String(cause), { cause });
    }
  }
  return bytes;
}

/** Serialises a chain descriptor. */
export function writeChainDescriptor(stages: readonly ChainStage[]): Uint8Array {
  let size = 1;
  for (const s of stages) size += 5 + s.params.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = stages.length;
  let at = 1;
  for (const s of stages) {
    out[at] = s.id;
    view.setUint32(at + 1, s.params.length, true);
    out.set(s.params, at + 5);
    at += 5 + s.params.length;
  }
  return out;
}

/**
 * Parses a chain descriptor located at `offsetBytes` of a frame, checking every length against the
 * bytes available. Codec ids are resolved to names later (unknown ids fail at decode time with
 * `UnknownCodecError`), so headers of frames using unregistered codecs can still be inspected.
 *
 * @throws FrameTruncatedError a params length overruns the descriptor.
 * @throws CodecError stage count above {@link MAX_CHAIN_STAGES}, or trailing bytes.
 */
export function readChainDescriptor(
  bytes: Uint8Array,
  offsetBytes: number,
  nameOf: (id: number) => string | undefined,
): ChainStage[] {
  if (bytes.length < 1) throw new FrameTruncatedError('chain descriptor', offsetBytes, 1, 0);
  const count = bytes[0] as number;
  if (count > MAX_CHAIN_STAGES) {
    throw new CodecError('chain', 'decode', `stage count ${count} outside 0..${MAX_CHAIN_STAGES}`, {
      offsetBytes,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stages: ChainStage[] = [];
  let at = 1;
  for (let i = 0; i < count; i++) {
    if (at + 5 > bytes.length)
      throw new FrameTruncatedError(`chain stage ${i}`, offsetBytes + at, 5, bytes.length - at);
    const id = bytes[at] as number;
    const length = view.getUint32(at + 1, true);
    if (at + 5 + length > bytes.length) {
      throw new FrameTruncatedError(
        `params of chain stage ${i}`,
        offsetBytes + at + 5,
        length,
        bytes.length - at - 5,
      );
    }
    stages.push({ codec: nameOf(id) ?? `#${id}`, id, params: bytes.slice(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  if (at !== bytes.length) {
    throw new CodecError('chain', 'decode', `${bytes.length - at} trailing bytes in the chain descriptor`, {
      offsetBytes: offsetBytes + at,
    });
  }
  return stages;
}

/** Frame id of a codec name, for callers building descriptors. */
export function stageIdOf(name: string): number | undefined {
  return codecIdOf(name);
}
