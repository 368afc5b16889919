/**
 * Calendar of stream heads grouped by timestamp: one bucket per distinct head timestamp, a binary min-heap
 * of buckets, and a hash table from timestamp to bucket. Built for bar-aligned data, where thousands of
 * streams share each timestamp: gathering a batch costs one heap pop per *timestamp* and O(1) per event
 * (a linked-list append, almost always into the bucket used by the previous event), instead of one
 * `log2 N` tree replay per *event*.
 *
 * Keys are int64 split into a signed high and an unsigned low 32-bit half (no BigInt). Every live bucket
 * holds at least one stream and each stream is in at most one bucket, so `streamCount + 1` bucket slots
 * suffice and memory is O(streams).
 *
 * @internal Not exported from the package entry point.
 */
export class TimestampBuckets {
  /** Timestamp (high / low half) of each bucket slot. */
  private readonly bucketHi: Int32Array;
  private readonly bucketLo: Uint32Array;
  /** First / last stream of each bucket's linked list, and its length. */
  private readonly bucketHead: Int32Array;
  private readonly bucketTail: Int32Array;
  private readonly bucketCount: Int32Array;
  /** 1 while streams were appended in ascending order (no sort needed when popped). */
  private readonly bucketSorted: Uint8Array;
  /** Next bucket in the same hash chain, -1 at the end. */
  private readonly bucketHashNext: Int32Array;
  /** Free bucket slots (a stack). */
  private readonly freeSlots: Int32Array;
  private freeTop: number;
  /** Next stream in the same bucket, -1 at the end. */
  private readonly streamNext: Int32Array;
  /** Hash table: first bucket of each chain, -1 when empty. Size a power of two ≥ 2 × slots. */
  private readonly table: Int32Array;
  private readonly tableShift: number;
  /** Min-heap of bucket slots ordered by timestamp (timestamps of live buckets are distinct). */
  private readonly heap: Int32Array;
  private heapSize = 0;
  /** Bucket of the previous insert: the next insert very likely goes to the same one. */
  private lastBucket = -1;
  /** One bit per stream, for sorting dense buckets by a bit scan. */
  private readonly bits: Int32Array;
  private readonly streamCount: number;
  /** Timestamp of the bucket returned by the last {@link popMin}. */
  poppedHi = 0;
  poppedLo = 0;

  constructor(streamCount: number) {
    this.streamCount = streamCount;
    const slots = streamCount + 1;
    this.bucketHi = new Int32Array(slots);
    this.bucketLo = new Uint32Array(slots);
    this.bucketHead = new Int32Array(slots);
    this.bucketTail = new Int32Array(slots);
    this.bucketCount = new Int32Array(slots);
    this.bucketSorted = new Uint8Array(slots);
    this.bucketHashNext = new Int32Array(slots);
    this.freeSlots = new Int32Array(slots);
    this.freeTop = 0;
    this.streamNext = new Int32Array(Math.max(1, streamCount));
    let bits = 4;
    while (1 << bits < 2 * slots) bits++;
    this.table = new Int32Array(1 << bits);
    this.tableShift = 32 - bits;
    this.heap = new Int32Array(slots);
    this.bits = new Int32Array(Math.ceil(streamCount / 32) + 1);
    this.clear();
  }

  /** Number of live buckets (distinct head timestamps). */
  get size(): number {
    return this.heapSize;
  }

  /** Removes every stream. O(streams). */
  clear(): void {
    this.table.fill(-1);
    this.heapSize = 0;
    this.lastBucket = -1;
    const slots = this.freeSlots.length;
    for (let i = 0; i < slots; i++) this.freeSlots[i] = slots - 1 - i;
    this.freeTop = slots;
  }

  /** Adds `stream`, whose head timestamp is `(hi, lo)`. A stream must not be in two buckets. */
  insert(stream: number, hi: number, lo: number): void {
    let bucket = this.lastBucket;
    if (bucket < 0 || this.bucketHi[bucket] !== hi || this.bucketLo[bucket] !== lo) {
      bucket = this.find(hi, lo);
      if (bucket < 0) bucket = this.create(hi, lo);
      this.lastBucket = bucket;
    }
    this.streamNext[stream] = -1;
    const tail = this.bucketTail[bucket]!;
    if (this.bucketCount[bucket] === 0) {
      this.bucketHead[bucket] = stream;
    } else {
      this.streamNext[tail] = stream;
      if (stream < tail) this.bucketSorted[bucket] = 0;
    }
    this.bucketTail[bucket] = stream;
    this.bucketCount[bucket]!++;
  }

  /**
   * Removes the bucket with the smallest timestamp, writes its streams to `out` in ascending order and
   * returns how many; sets {@link poppedHi}/{@link poppedLo}. Returns 0 when empty.
   */
  popMin(out: Int32Array): number {
    if (this.heapSize === 0) return 0;
    const heap = this.heap;
    const bucket = heap[0]!;
    const last = heap[--this.heapSize]!;
    if (this.heapSize > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    this.unlinkHash(bucket);
    if (this.lastBucket === bucket) this.lastBucket = -1;
    this.poppedHi = this.bucketHi[bucket]!;
    this.poppedLo = this.bucketLo[bucket]!;
    const count = this.bucketCount[bucket]!;
    const next = this.streamNext;
    if (this.bucketSorted[bucket] === 1) {
      let s = this.bucketHead[bucket]!;
      for (let i = 0; i < count; i++) {
        out[i] = s;
        s = next[s]!;
      }
    } else if (count * 8 >= this.streamCount) {
      // Dense bucket: set one bit per stream, then read the set bits in ascending order. Scanning
      // streamCount / 32 words is cheaper than a comparison sort once count ≥ streamCount / 8.
      const bits = this.bits;
      let s = this.bucketHead[bucket]!;
      for (let i = 0; i < count; i++) {
        bits[s >>> 5]! |= 1 << (s & 31);
        s = next[s]!;
      }
      let i = 0;
      const words = bits.length;
      for (let w = 0; w < words; w++) {
        let word = bits[w]!;
        if (word === 0) continue;
        bits[w] = 0;
        while (word !== 0) {
          const lowest = word & -word;
          out[i++] = (w << 5) | (31 - Math.clz32(lowest));
          word ^= lowest;
        }
      }
    } else {
      let s = this.bucketHead[bucket]!;
      for (let i = 0; i < count; i++) {
        out[i] = s;
        s = next[s]!;
      }
      out.subarray(0, count).sort();
    }
    this.freeSlots[this.freeTop++] = bucket;
    return count;
  }

  private hash(hi: number, lo: number): number {
    // Fibonacci hashing (Knuth, TAOCP vol. 3 §6.4): multiply by 2^32 / φ, keep the top bits.
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.tableShift;
  }

  private find(hi: number, lo: number): number {
    let bucket = this.table[this.hash(hi, lo)]!;
    while (bucket >= 0) {
      if (this.bucketHi[bucket] === hi && this.bucketLo[bucket] === lo) return bucket;
      bucket = this.bucketHashNext[bucket]!;
    }
    return -1;
  }

  private create(hi: number, lo: number): number {
    const bucket = this.freeSlots[--this.freeTop]!;
    this.bucketHi[bucket] = hi;
    this.bucketLo[bucket] = lo;
    this.bucketCount[bucket] = 0;
    this.bucketSorted[bucket] = 1;
    const h = this.hash(hi, lo);
    this.bucketHashNext[bucket] = this.table[h]!;
    this.table[h] = bucket;
    // Heap push (sift up).
    const heap = this.heap;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      const pHi = this.bucketHi[p]!;
      if (pHi < hi || (pHi === hi && this.bucketLo[p]! < lo)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = bucket;
    return bucket;
  }

  private unlinkHash(bucket: number): void {
    const h = this.hash(this.bucketHi[bucket]!, this.bucketLo[bucket]!);
    let current = this.table[h]!;
    if (current === bucket) {
      this.table[h] = this.bucketHashNext[bucket]!;
      return;
    }
    while (current >= 0) {
      const following = this.bucketHashNext[current]!;
      if (following === bucket) {
        this.bucketHashNext[current] = this.bucketHashNext[bucket]!;
        return;
      }
      current = following;
    }
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const size = this.heapSize;
    const hiOf = this.bucketHi;
    const loOf = this.bucketLo;
    const item = heap[start]!;
    const itemHi = hiOf[item]!;
    const itemLo = loOf[item]!;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      let c = heap[child]!;
      if (child + 1 < size) {
        const d = heap[child + 1]!;
        if (hiOf[d]! < hiOf[c]! || (hiOf[d] === hiOf[c] && loOf[d]! < loOf[c]!)) {
          child++;
          c = d;
        }
      }
      const cHi = hiOf[c]!;
      if (cHi > itemHi || (cHi === itemHi && loOf[c]! > itemLo)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = item;
  }
}
