/**
 * Raw (not entropy-coded) bit stream for the low mantissa bits of the bar codec: bits are appended
 * LSB first into little-endian bytes (bit j of the stream is bit `j % 8` of byte `j >> 3`), so a
 * reader can fetch a field with shifts and masks. Fields are at most 24 bits per call; callers split
 * wider fields into a high and a low part.
 *
 * @module
 */

/** Appends bit fields to a growable buffer. */
export class BitWriter {
  private out: Uint8Array;
  private at = 0;
  private acc = 0; // pending bits, < 2^32
  private count = 0; // number of pending bits, < 8 between calls

  constructor(initialBytes = 1 << 16) {
    this.out = new Uint8Array(Math.max(16, initialBytes));
  }

  /** Appends the `bits` (0..24) low bits of `value`. */
  write(value: number, bits: number): void {
    if (bits === 0) return;
    this.acc = (this.acc | ((value & ((1 << bits) - 1)) << this.count)) >>> 0;
    this.count += bits;
    while (this.count >= 8) {
      if (this.at === this.out.length) {
        const grown = new Uint8Array(this.out.length * 2);
        grown.set(this.out);
        this.out = grown;
      }
      this.out[this.at++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.count -= 8;
    }
  }

  /** Pads the last byte with zero bits and returns the bytes (a view of the internal buffer). */
  finish(): Uint8Array {
    if (this.count > 0) this.write(0, 8 - this.count);
    return this.out.subarray(0, this.at);
  }
}
