/*
 * Native ceiling of the replay bench (bench/suites/replay.mjs): a C k-way merge over the same in-memory
 * streams the JS rows replay, with the same consumer (sum of close, xor of the low 16 bits of ts, per event).
 *
 *   cc -O3 -o merge-ceiling merge-ceiling.c
 *   merge-ceiling <streams.bin> <tree|sweep> <repeat>
 *
 * streams.bin (written by the bench, little-endian): u64 streamCount, u64 rows[streamCount], then every
 * stream's i64 ts (ns), stream after stream, then every stream's f64 close in the same order.
 *
 * - tree: a loser tree over the stream heads with one packed u64 key per stream,
 *   ((ts - min ts) << idBits) | stream id, so one integer comparison orders by (ts, stream id); exhausted
 *   streams (and padding leaves) hold UINT64_MAX. Requires the span of ts to fit 64 - idBits bits.
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

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s <streams.bin> <tree|sweep> <repeat>\n", argv[0]);
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
  int repeat = atoi(argv[3]);
  double best = 1e300, sum = 0;
  uint64_t x = 0, events = 0;
  for (int i = 0; i < repeat; i++) {
    double t0 = now_s();
    events = sweep ? run_sweep(&sum, &x) : run_tree(&sum, &x);
    double t = now_s() - t0;
    if (t < best) best = t;
  }
  printf("{\"mode\":\"%s\",\"events\":%llu,\"seconds\":%.6f,\"eventsPerSecond\":%.0f,\"checksum\":%.6g}\n",
         sweep ? "sweep" : "tree", (unsigned long long)events, best, events / best, sum + (double)x);
  return 0;
}
