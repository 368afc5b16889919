/*
 * Native ceiling of the replay bench (bench/suites/replay.mjs): a C k-way merge over the same in-memory
 * streams the JS rows replay, with the same consumer (sum of close, xor of the low 16 bits of ts, per event).
 *
 *   cc -O3 -o merge-ceiling merge-ceiling.c
 *   merge-ceiling <streams.bin> <tree|sweep|block> <repeat>
 *
 * streams.bin (written by the bench, little-endian): u64 streamCount, u64 rows[streamCount], then every
 * stream's i64 ts (ns), stream after stream, then every stream's f64 close in the same order.
 *
 * - tree: a loser tree over the stream heads with one packed u64 key per stream,
 *   ((ts - min ts) << idBits) | stream id, so one integer comparison orders by (ts, stream id); exhausted
 *   streams (and padding leaves) hold UINT64_MAX. Requires the span of ts to fit 64 - idBits bits.
 * - block: sorted blocks of time with packed keys (see run_block), the scheme of mmtape's 'block' strategy.
 * - sweep: for data whose streams share timestamps (bars): one pass over the live streams per distinct
 *   timestamp, emitting the streams at the current minimum in id order and finding the next minimum.
 *
 * Prints one JSON line: {"mode":…, "events":…, "seconds": best of <repeat>, "eventsPerSecond":…, "checksum":…};
 * seconds are CPU time of the process (CLOCK_PROCESS_CPUTIME_ID), so a loaded machine skews them less.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t count;
static uint64_t *rows;
static int64_t **ts;
static double **closes;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One replay with the loser tree; returns events, adds the consumer's results to *sum and *x. */
static uint64_t run_tree(double *sum, uint64_t *x) {
  uint64_t p = 1;
  while (p < count) p <<= 1;
  int idBits = 0;
  while ((1ull << idBits) < p) idBits++;
  int64_t minTs = INT64_MAX;
  for (uint64_t s = 0; s < count; s++)
    if (rows[s] > 0 && ts[s][0] < minTs) minTs = ts[s][0];
  uint64_t *key = malloc(sizeof(uint64_t) * 2 * p);
  uint32_t *loser = malloc(sizeof(uint32_t) * p);
  uint64_t *cur = calloc(count, sizeof(uint64_t));
  for (uint64_t l = 0; l < p; l++)
    key[l] = l < count && rows[l] > 0 ? ((uint64_t)(ts[l][0] - minTs) << idBits) | l : UINT64_MAX;
  /* Build bottom-up: win[] holds the winner of each internal node (nodes 1..p-1, leaves p..2p-1). */
  uint32_t *win = malloc(sizeof(uint32_t) * 2 * p);
  for (uint64_t l = 0; l < p; l++) win[p + l] = (uint32_t)l;
  for (uint64_t n = p - 1; n >= 1; n--) {
    uint32_t a = win[2 * n], b = win[2 * n + 1];
    if (key[a] <= key[b]) { win[n] = a; loser[n] = b; } else { win[n] = b; loser[n] = a; }
  }
  uint32_t w = p > 1 ? win[1] : 0;
  free(win);
  double s0 = 0;
  uint64_t x0 = 0, events = 0;
  while (key[w] != UINT64_MAX) {
    uint64_t r = cur[w];
    s0 += closes[w][r];
    x0 ^= (uint64_t)ts[w][r] & 0xffff;
    events++;
    r++;
    cur[w] = r;
    key[w] = r < rows[w] ? ((uint64_t)(ts[w][r] - minTs) << idBits) | w : UINT64_MAX;
    for (uint64_t n = (w + p) >> 1; n >= 1; n >>= 1) {
      uint32_t l = loser[n];
      if (key[l] < key[w]) { loser[n] = w; w = l; }
    }
  }
  free(key);
  free(loser);
  free(cur);
  *sum += s0;
  *x ^= x0;
  return events;
}

/* One replay with the sweep over shared timestamps. */
static uint64_t run_sweep(double *sum, uint64_t *x) {
  uint32_t *live = malloc(sizeof(uint32_t) * (count + 1));
  uint64_t *cur = calloc(count, sizeof(uint64_t));
  uint64_t liveCount = 0;
  int64_t min = INT64_MAX;
  for (uint64_t s = 0; s < count; s++)
    if (rows[s] > 0) {
      live[liveCount++] = (uint32_t)s;
      if (ts[s][0] < min) min = ts[s][0];
    }
  double s0 = 0;
  uint64_t x0 = 0, events = 0;
  while (liveCount > 0) {
    int64_t next = INT64_MAX;
    uint64_t kept = 0;
    for (uint64_t i = 0; i < liveCount; i++) {
      uint32_t s = live[i];
      uint64_t r = cur[s];
      int64_t h = ts[s][r];
      if (h == min) {
        s0 += closes[s][r];
        x0 ^= (uint64_t)h & 0xffff;
        events++;
        r++;
        cur[s] = r;
        if (r == rows[s]) continue;
        h = ts[s][r];
      }
      live[kept++] = s;
      if (h < next) next = h;
    }
    liveCount = kept;
    min = next;
  }
  free(live);
  free(cur);
  *sum += s0;
  *x ^= x0;
  return events;
}

/*
 * One replay with sorted blocks of time (the scheme of mmtape's 'block' strategy for ticks): each block
 * takes the rows of every live stream below the earliest timestamp some stream has k = 262,144 / live rows
 * ahead, packs each as ((ts - block head) << idBits) | stream, sorts the packed keys (one counting pass on
 * the top 16 bits of the block's key range, a scatter, an insertion sort of each bucket), and emits them
 * in order; a stream's rows come out in row order (equal keys of one stream are interchangeable).
 */
static uint64_t run_block(double *sum, uint64_t *x) {
  uint64_t p = 1;
  while (p < count) p <<= 1;
  int idBits = 0;
  while ((1ull << idBits) < p) idBits++;
  const uint64_t capacity = 262144;
  uint64_t *cur = calloc(count, sizeof(uint64_t));
  uint32_t *live = malloc(sizeof(uint32_t) * (count + 1));
  uint64_t *keys = malloc(sizeof(uint64_t) * (capacity + count + 1));
  uint64_t *sorted = malloc(sizeof(uint64_t) * (capacity + count + 1));
  uint32_t *counts = malloc(sizeof(uint32_t) * (65536 + 1));
  double s0 = 0;
  uint64_t x0 = 0, events = 0;
  for (;;) {
    uint64_t liveCount = 0;
    int64_t head = INT64_MAX;
    for (uint64_t s = 0; s < count; s++)
      if (cur[s] < rows[s]) {
        live[liveCount++] = (uint32_t)s;
        if (ts[s][cur[s]] < head) head = ts[s][cur[s]];
      }
    if (liveCount == 0) break;
    uint64_t k = capacity / liveCount;
    if (k < 1) k = 1;
    int64_t limit;
    for (;;) {
      limit = INT64_MAX;
      for (uint64_t i = 0; i < liveCount; i++) {
        uint32_t s = live[i];
        if (cur[s] + k < rows[s] && ts[s][cur[s] + k] < limit) limit = ts[s][cur[s] + k];
      }
      if (limit > head) break;
      k *= 2;
    }
    uint64_t n = 0;
    for (uint64_t i = 0; i < liveCount; i++) {
      uint32_t s = live[i];
      uint64_t r = cur[s];
      const int64_t *t = ts[s];
      while (r < rows[s] && t[r] < limit) keys[n++] = ((uint64_t)(t[r++] - head) << idBits) | i;
    }
    uint64_t maxKey = 0;
    for (uint64_t e = 0; e < n; e++)
      if (keys[e] > maxKey) maxKey = keys[e];
    int bits = 0;
    while (bits < 64 && (maxKey >> bits) != 0) bits++;
    int shift = bits > 16 ? bits - 16 : 0;
    memset(counts, 0, sizeof(uint32_t) * 65537);
    for (uint64_t e = 0; e < n; e++) counts[(keys[e] >> shift) + 1]++;
    for (int d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    for (uint64_t e = 0; e < n; e++) sorted[counts[keys[e] >> shift]++] = keys[e];
    for (uint64_t i = 1; i < n; i++) {
      uint64_t key = sorted[i];
      uint64_t j = i;
      while (j > 0 && sorted[j - 1] > key) {
        sorted[j] = sorted[j - 1];
        j--;
      }
      sorted[j] = key;
    }
    uint64_t mask = (1ull << idBits) - 1;
    for (uint64_t e = 0; e < n; e++) {
      uint32_t s = live[sorted[e] & mask];
      uint64_t r = cur[s]++;
      s0 += closes[s][r];
      x0 ^= (uint64_t)ts[s][r] & 0xffff;
    }
    events += n;
  }
  free(cur);
  free(live);
  free(keys);
  free(sorted);
  free(counts);
  *sum += s0;
  *x ^= x0;
  return events;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <streams.bin> <tree|sweep|block> <repeat>\n", argv[0]);
    return 1;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  if (fread(&count, 8, 1, f) != 1) return 1;
  rows = malloc(8 * count);
  if (fread(rows, 8, count, f) != count) return 1;
  ts = malloc(sizeof(int64_t *) * count);
  closes = malloc(sizeof(double *) * count);
  for (uint64_t s = 0; s < count; s++) {
    ts[s] = malloc(8 * (rows[s] + 1));
    if (fread(ts[s], 8, rows[s], f) != rows[s]) return 1;
  }
  for (uint64_t s = 0; s < count; s++) {
    closes[s] = malloc(8 * (rows[s] + 1));
    if (fread(closes[s], 8, rows[s], f) != rows[s]) return 1;
  }
  fclose(f);
  int sweep = strcmp(argv[2], "sweep") == 0;
  int block = strcmp(argv[2], "block") == 0;
  int repeat = atoi(argv[3]);
  double best = 1e300, sum = 0;
  uint64_t x = 0, events = 0;
  for (int i = 0; i < repeat; i++) {
    double t0 = now_s();
    events = sweep ? run_sweep(&sum, &x) : block ? run_block(&sum, &x) : run_tree(&sum, &x);
    double t = now_s() - t0;
    if (t < best) best = t;
  }
  printf("{\"mode\":\"%s\",\"events\":%llu,\"seconds\":%.6f,\"eventsPerSecond\":%.0f,\"checksum\":%.6g}\n",
         argv[2], (unsigned long long)events, best, events / best, sum + (double)x);
  return 0;
}
