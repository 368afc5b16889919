/**
 * The linear memory of one instance of the package's WebAssembly module, handed out in regions: the
 * kernels' layouts (`GridKernel`) and, when a merge reads windows, the windows themselves, so the bar
 * grid reads a stream's rows where the reader put them instead of copying them in. Internal.
 *
 * @module
 */
import { growMemory, kernelInstance } from './wasm-module.js';

/** The exports every instance has: its memory and the first byte after its static data. */
export interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
}

/** `undefined`: not made yet; `null`: no WebAssembly here (see {@link KernelMemory.shared}). */
let sharedMemory: KernelMemory | null | undefined;

/** Alignment of every region, bytes (a cache line). */
const REGION_ALIGN_BYTES = 64;

/**
 * Regions of one instance's memory: sizes are rounded up to a power of two (≥ 64 bytes), freed regions
 * are kept per size and handed out again, new ones are taken from the top. The memory grows by at least
 * half its size when the top passes it (few growths over a replay); every growth detaches every view of
 * the old buffer, so holders of views register {@link onGrow} and take them again.
 */
export class KernelMemory<T extends KernelExports = KernelExports> {
  /** The instance's exports. */
  readonly kernels: T;
  /** First free byte above every region handed out. */
  private top: number;
  /** Freed regions by size class (log2 of the size). */
  private readonly freed: number[][] = [];
  private readonly listeners: (() => void)[] = [];

  private constructor(kernels: T) {
    this.kernels = kernels;
    this.top = align(kernels.heapBase());
  }

  /**
   * The process's instance, shared by the kernels of every merge without windows of its own
   * (`GridKernel.shared`, `SparseKernel.shared`), or `null` without WebAssembly. Each kernel keeps a
   * region of it for its layout and nothing between calls; see those for why sharing is safe.
   */
  static shared(): KernelMemory | null {
    if (sharedMemory === undefined) sharedMemory = KernelMemory.create();
    return sharedMemory;
  }

  /** A new instance's memory, or `null` without WebAssembly (see `kernelInstance`). */
  static create<T extends KernelExports>(): KernelMemory<T> | null {
    const kernels = kernelInstance<T>();
    return kernels === null ? null : new KernelMemory(kernels);
  }

  /** The memory's current buffer (replaced when it grows). */
  get buffer(): ArrayBuffer {
    return this.kernels.memory.buffer;
  }

  /**
   * A region of at least `bytes` bytes (64-byte aligned; its size is `regionBytes(bytes)`), or -1 when
   * the memory cannot grow that far (above 4 GiB, or out of memory). May grow the memory: then calls
   * every {@link onGrow} listener before returning.
   * @throws Error (an internal error, a caller's bug) for `bytes` that is not a positive integer.
   */
  alloc(bytes: number): number {
    if (!(Number.isSafeInteger(bytes) && bytes > 0))
      throw new Error(`mmtape internal error: a kernel memory region of ${bytes} bytes asked`);
    const size = regionBytes(bytes);
    const list = this.freed[Math.log2(size)];
    if (list !== undefined && list.length > 0) return list.pop()!;
    const at = this.top;
    const end = at + size;
    const memory = this.kernels.memory;
    const have = memory.buffer.byteLength;
    if (end > have) {
      if (!growMemory(memory, Math.max(end, Math.floor(have * 1.5))) && !growMemory(memory, end)) return -1;
      for (const listener of this.listeners) listener();
    }
    this.top = end;
    return at;
  }

  /** Returns the region at `at` of `bytes` (the size it was asked with) for reuse. */
  free(at: number, bytes: number): void {
    const sizeClass = Math.log2(regionBytes(bytes));
    this.freed[sizeClass] ??= [];
    this.freed[sizeClass].push(at);
  }

  /** Calls `listener` after every growth of the memory (the old buffer's views are detached then). */
  onGrow(listener: () => void): void {
    this.listeners.push(listener);
  }
}

/** The size of a region asked for `bytes`: the power of two at or above, at least 64. */
export function regionBytes(bytes: number): number {
  return Math.max(REGION_ALIGN_BYTES, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
}

function align(at: number): number {
  return Math.ceil(at / REGION_ALIGN_BYTES) * REGION_ALIGN_BYTES;
}

/**
 * A kernel whose layout is one region of a {@link KernelMemory}: it takes its views again after every
 * growth of the memory ({@link takeViews}), and {@link place} lays it out in a new region.
 */
export abstract class RegionKernel<T extends KernelExports> {
  protected readonly memory: KernelMemory<T>;
  protected readonly kernels: T;
  /** The layout's region and its size, bytes (-1: none yet). */
  private region = -1;
  private regionBytes = 0;

  protected constructor(memory: KernelMemory<T>) {
    this.memory = memory;
    this.kernels = memory.kernels;
    memory.onGrow(() => this.takeViews());
  }

  /**
   * Lays out buffers in a new region, the old one freed: `build` takes each buffer's bytes with its
   * `take` (64-byte aligned, one after the other) and returns the offsets in any shape of numbers and
   * arrays of numbers; they come back as byte addresses in the memory. `null` (the old region kept) when
   * the memory cannot grow that far.
   */
  protected place<L extends { [K in keyof L]: number | number[] }>(
    build: (take: (bytes: number) => number) => L,
  ): L | null {
    let end = 0;
    const layout = build((bytes) => {
      const start = end;
      end = align(end + bytes);
      return start;
    });
    const region = this.memory.alloc(Math.max(end, REGION_ALIGN_BYTES));
    if (region < 0) return null;
    if (this.region >= 0) this.memory.free(this.region, this.regionBytes);
    this.region = region;
    this.regionBytes = Math.max(end, REGION_ALIGN_BYTES);
    for (const key of Object.keys(layout) as (keyof L)[]) {
      const v = layout[key] as number | number[];
      if (typeof v === 'number') (layout[key] as number) = v + region;
      else for (let i = 0; i < v.length; i++) v[i]! += region;
    }
    return layout;
  }

  /** Takes every view of the layout on the memory's current buffer (after a layout, or a growth). */
  protected abstract takeViews(): void;
}
