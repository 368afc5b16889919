/*
 * Native (N-API) kernels of merge-replay's `'block'` strategy, reading every stream's timestamps and
 * gathered columns where they are (the mapped files, or the caller's arrays) and writing the block arrays
 * of the caller:
 * - sparseBlock: the block after a sparse one (irregular ticks), collected, sorted and emitted in one
 *   call; the algorithm and output of the WebAssembly kernel (`assembly/sparse-block.ts`: `collectSparse`,
 *   `sortEmit`, `gatherF64`/`gatherI64`) and of the TypeScript path (`src/strategies/sparse-sort.ts`);
 * - gridBars: the one-pass grid of a block of plain bars; the algorithm and output of
 *   `assembly/bar-grid.ts` and of `blockGridTile` (`src/strategies/grid-scatter.ts`).
 * What WebAssembly cannot do here: read the mapped memory in place (the wasm kernels copy k rows of every
 * live stream into their memory first, and the grid out of it) and prefetch the streams ahead (a block
 * reads a few cache lines from each of thousands of streams, and their latency, not the bytes, is the
 * cost: measured, scratch C over a 1 GiB segment of 3,000 streams, 45–53 ms per replay-equivalent copy
 * without prefetch, 24–26 ms prefetching 16 streams ahead).
 * Optional: built by `scripts/build-native.mjs` with node-gyp when a C compiler and the Node headers are
 * present; `src/strategies/native-block.ts` loads it, and the WebAssembly kernels are used otherwise.
 *
 * streams(ts, columns) -> a handle: `ts` an array of Int32Array (each stream's int64 timestamps as int32
 *   halves), `columns` an array (per gathered column) of arrays (per stream) of 8-byte-element typed
 *   arrays. Keeps the data pointers and lengths; the caller keeps the arrays alive as long as the handle.
 * sparseBlock(handle, liveCount, live, cursors, endRows, k, headHi, headLo, limit, maxBucket,
 *   sym, row, ts32, starts, ends, rowsLive, fault, ...outColumns) -> runs, or
 *   -1 a bucket holds more than maxBucket keys (clustered keys: the caller sorts another way),
 *   -2 an offset does not fit 64 bits with the stream index,
 *   -3 a stream's timestamps decrease (fault[0] its live index, fault[1] the row offset from its cursor),
 *   -4 a row or output outside the arrays given (a caller's bug).
 *   Nothing the caller reads is valid after a negative result; its cursors are untouched either way.
 * gridBars(...): see grid_bars below.
 * headLimit(...): see head_limit below.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Widest digit of the counting pass: 2^17 counters (512 KiB, this machine's L2 per core). */
#define MAX_DIGIT_BITS 17
#define PREFETCH_STREAMS 16
/* Events ahead whose staged values the emit pass of sparseBlock prefetches: 16. Measured on 3,000 tick
 * streams × 2,000 rows in memory, 8 alternating processes each, median of their best of 4: none 21.8
 * M events/s, 16 ahead 24.3, 32 ahead 23.3 (10 more pairs, none against 16: 19.4 against 22.8). */
#define EMIT_PREFETCH_EVENTS 16
#define MAX_ARGS 32

/* The streams of one merge, and its scratch (grown to the largest block). */
typedef struct {
  uint32_t streams;
  uint32_t columns;
  const int64_t** ts;
  const uint64_t** cols; /* cols[c * streams + s] */
  size_t* rows;          /* rows of stream s in every array */
  uint64_t* packed;
  uint64_t* sorted;
  uint64_t* stage; /* stage[c * capacity + e] */
  uint32_t* counts;
  int32_t* next;
  int32_t* delta;
  size_t capacity;
  uint32_t liveCapacity;
  /* The bar grid's per-timestamp fill cursors and timestamps. */
  int32_t* gridFill;
  int64_t* gridUnion;
  size_t gridUnionCapacity;
} Streams;

static void streams_free(napi_env env, void* data, void* hint) {
  Streams* st = (Streams*)data;
  free(st->ts);
  free(st->cols);
  free(st->rows);
  free(st->packed);
  free(st->sorted);
  free(st->stage);
  free(st->counts);
  free(st->next);
  free(st->delta);
  free(st->gridFill);
  free(st->gridUnion);
  free(st);
}

/* Data pointer and element count (8-byte elements) of a typed array, or 0 on a wrong argument. */
static int words_of(napi_env env, napi_value v, void** data, size_t* words) {
  napi_typedarray_type type;
  size_t length;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &buffer, &offset) != napi_ok) return 0;
  size_t bytes;
  switch (type) {
    case napi_int32_array:
    case napi_uint32_array:
      bytes = length * 4;
      break;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      bytes = length * 8;
      break;
    default:
      return 0;
  }
  if (((uintptr_t)*data & 7) != 0 && bytes > 0) return 0;
  *words = bytes / 8;
  return 1;
}

/* Data pointer and length in elements of a 4-byte typed array, or 0. */
static int ints_of(napi_env env, napi_value v, void** data, size_t* length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok) return 0;
  return type == napi_int32_array || type == napi_uint32_array;
}

static napi_value fail(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static napi_value make_streams(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t n = 0;
  uint32_t columns = 0;
  if (argc < 2 || napi_get_array_length(env, argv[0], &n) != napi_ok ||
      napi_get_array_length(env, argv[1], &columns) != napi_ok)
    return fail(env, "streams(ts, columns): two arrays expected");
  Streams* st = (Streams*)calloc(1, sizeof(Streams));
  if (st == NULL) return fail(env, "streams: out of memory");
  st->streams = n;
  st->columns = columns;
  st->ts = (const int64_t**)calloc(n ? n : 1, sizeof(int64_t*));
  st->cols = (const uint64_t**)calloc((size_t)(n ? n : 1) * (columns ? columns : 1), sizeof(uint64_t*));
  st->rows = (size_t*)calloc(n ? n : 1, sizeof(size_t));
  if (st->ts == NULL || st->cols == NULL || st->rows == NULL) {
    streams_free(env, st, NULL);
    return fail(env, "streams: out of memory");
  }
  for (uint32_t s = 0; s < n; s++) {
    napi_value v;
    void* data;
    size_t words;
    if (napi_get_element(env, argv[0], s, &v) != napi_ok || !words_of(env, v, &data, &words)) {
      streams_free(env, st, NULL);
      return fail(env, "streams: ts must be 8-byte-aligned typed arrays");
    }
    st->ts[s] = (const int64_t*)data;
    st->rows[s] = words;
  }
  for (uint32_t c = 0; c < columns; c++) {
    napi_value list;
    uint32_t m = 0;
    if (napi_get_element(env, argv[1], c, &list) != napi_ok ||
        napi_get_array_length(env, list, &m) != napi_ok || m != n) {
      streams_free(env, st, NULL);
      return fail(env, "streams: every column needs one array per stream");
    }
    for (uint32_t s = 0; s < n; s++) {
      napi_value v;
      void* data;
      size_t words;
      if (napi_get_element(env, list, s, &v) != napi_ok || !words_of(env, v, &data, &words) ||
          words < st->rows[s]) {
        streams_free(env, st, NULL);
        return fail(env, "streams: columns must be 8-byte typed arrays as long as the timestamps");
      }
      st->cols[(size_t)c * n + s] = (const uint64_t*)data;
    }
  }
  napi_value handle;
  napi_create_object(env, &handle);
  if (napi_wrap(env, handle, st, streams_free, NULL, NULL) != napi_ok) {
    streams_free(env, st, NULL);
    return fail(env, "streams: wrap failed");
  }
  return handle;
}

/* Grows the scratch to `events` events and `live` streams; 0 when out of memory. */
static int ensure(Streams* st, size_t events, uint32_t live) {
  if (st->counts == NULL) {
    st->counts = (uint32_t*)malloc(((1 << MAX_DIGIT_BITS) + 1) * sizeof(uint32_t));
    if (st->counts == NULL) return 0;
  }
  if (live > st->liveCapacity) {
    int32_t* next = (int32_t*)realloc(st->next, (size_t)live * 4);
    if (next == NULL) return 0;
    st->next = next;
    int32_t* delta = (int32_t*)realloc(st->delta, (size_t)live * 4);
    if (delta == NULL) return 0;
    st->delta = delta;
    st->liveCapacity = live;
  }
  if (events > st->capacity) {
    size_t n = events < 1024 ? 1024 : events;
    free(st->packed);
    free(st->sorted);
    free(st->stage);
    st->packed = (uint64_t*)malloc(n * 8);
    st->sorted = (uint64_t*)malloc(n * 8);
    st->stage = (uint64_t*)malloc(n * 8 * (st->columns ? st->columns : 1));
    st->capacity = (st->packed && st->sorted && st->stage) ? n : 0;
    if (st->capacity == 0) return 0;
  }
  return 1;
}

static int bit_length(uint64_t x) { return x == 0 ? 0 : 64 - __builtin_clzll(x); }

static void prefetch_rows(const void* p, size_t bytes) {
  const char* c = (const char*)p;
  for (size_t at = 0; at < bytes; at += 64) __builtin_prefetch(c + at, 0, 0);
}

static napi_value sparse_block(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 17) return fail(env, "sparseBlock: 17 arguments and the output columns expected");
  Streams* st;
  if (napi_unwrap(env, argv[0], (void**)&st) != napi_ok) return fail(env, "sparseBlock: not a handle");
  int32_t liveCount, k, headHi, maxBucket;
  uint32_t headLo;
  double limit;
  napi_get_value_int32(env, argv[1], &liveCount);
  napi_get_value_int32(env, argv[5], &k);
  napi_get_value_int32(env, argv[6], &headHi);
  napi_get_value_uint32(env, argv[7], &headLo);
  napi_get_value_double(env, argv[8], &limit);
  napi_get_value_int32(env, argv[9], &maxBucket);
  void *live_, *cursors_, *endRows_, *sym_, *row_, *ts_, *starts_, *ends_, *rowsLive_, *fault_;
  size_t liveLen, cursorsLen, endRowsLen, symLen, rowLen, startsLen, endsLen, rowsLiveLen, faultLen,
      tsWords;
  if (!ints_of(env, argv[2], &live_, &liveLen) || !ints_of(env, argv[3], &cursors_, &cursorsLen) ||
      !ints_of(env, argv[4], &endRows_, &endRowsLen) || !ints_of(env, argv[10], &sym_, &symLen) ||
      !ints_of(env, argv[11], &row_, &rowLen) || !words_of(env, argv[12], &ts_, &tsWords) ||
      !ints_of(env, argv[13], &starts_, &startsLen) || !ints_of(env, argv[14], &ends_, &endsLen) ||
      !ints_of(env, argv[15], &rowsLive_, &rowsLiveLen) || !ints_of(env, argv[16], &fault_, &faultLen))
    return fail(env, "sparseBlock: typed arrays expected");
  uint32_t columns = (uint32_t)(argc - 17);
  if (columns != st->columns) return fail(env, "sparseBlock: one output per gathered column expected");
  uint64_t* outs[MAX_ARGS];
  size_t outWords[MAX_ARGS];
  for (uint32_t c = 0; c < columns; c++) {
    void* d;
    if (!words_of(env, argv[17 + c], &d, &outWords[c]))
      return fail(env, "sparseBlock: output columns must be 8-byte typed arrays");
    outs[c] = (uint64_t*)d;
  }
  const int32_t* live = (const int32_t*)live_;
  const uint32_t* cursors = (const uint32_t*)cursors_;
  const uint32_t* endRows = (const uint32_t*)endRows_;
  int32_t* rowsLive = (int32_t*)rowsLive_;
  int32_t* fault = (int32_t*)fault_;
  napi_value result;
  int32_t code = -4;
  if (liveCount < 1 || (size_t)liveCount > liveLen || (size_t)liveCount > rowsLiveLen || faultLen < 2 ||
      k < 1 || !(limit >= 0) || !ensure(st, (size_t)liveCount * (size_t)k, (uint32_t)liveCount))
    goto done;
  {
    const int64_t head = (int64_t)(((uint64_t)(uint32_t)headHi << 32) | headLo);
    const uint64_t bound = limit >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)limit;
    const int idBits = liveCount <= 2 ? 1 : 32 - __builtin_clz((uint32_t)(liveCount - 1));
    const uint64_t id = (uint64_t)idBits;
    const uint32_t n = st->streams;
    const size_t capacity = st->capacity;
    uint64_t* packed = st->packed;
    int32_t* next = st->next;
    int32_t* delta = st->delta;
    size_t events = 0;
    uint64_t maxOffset = 0;
    for (int32_t i = 0; i < liveCount; i++) {
      if (i + PREFETCH_STREAMS < liveCount) {
        const int32_t p = live[i + PREFETCH_STREAMS];
        if (p >= 0 && (uint32_t)p < n && (size_t)p < cursorsLen && cursors[p] < st->rows[p]) {
          size_t ahead = st->rows[p] - cursors[p];
          size_t bytes = 8 * ((size_t)k < ahead ? (size_t)k : ahead);
          prefetch_rows(st->ts[p] + cursors[p], bytes);
          for (uint32_t c = 0; c < columns; c++)
            prefetch_rows(st->cols[(size_t)c * n + p] + cursors[p], bytes);
        }
      }
      const int32_t s = live[i];
      if (s < 0 || (uint32_t)s >= n || (size_t)s >= cursorsLen || (size_t)s >= endRowsLen) goto done;
      const uint32_t first = cursors[s];
      if (endRows[s] < first || endRows[s] > st->rows[s]) goto done;
      const uint32_t left = endRows[s] - first;
      const uint32_t rows = (uint32_t)k < left ? (uint32_t)k : left;
      if (events + rows > capacity) goto done;
      const int64_t* src = st->ts[s] + first;
      int64_t previous = head;
      uint64_t offset = 0;
      uint32_t r = 0;
      for (; r < rows; r++) {
        const int64_t t = src[r];
        if (t < previous) {
          fault[0] = i;
          fault[1] = (int32_t)r;
          code = -3;
          goto done;
        }
        const uint64_t o = (uint64_t)t - (uint64_t)head;
        if (o >= bound) break;
        previous = t;
        offset = o;
        packed[events + r] = (o << id) | (uint64_t)i;
      }
      if (offset > maxOffset) maxOffset = offset;
      for (uint32_t c = 0; c < columns; c++)
        memcpy(st->stage + (size_t)c * capacity + events, st->cols[(size_t)c * n + s] + first, (size_t)r * 8);
      rowsLive[i] = (int32_t)r;
      next[i] = (int32_t)events;
      delta[i] = (int32_t)(first - (uint32_t)events);
      events += r;
    }
    if ((maxOffset >> (64 - id)) != 0) {
      code = -2;
      goto done;
    }
    if (events > symLen || events > rowLen || events > tsWords || events + 1 > startsLen ||
        events > endsLen)
      goto done;
    for (uint32_t c = 0; c < columns; c++)
      if (events > outWords[c]) goto done;
    /* About two keys per bucket: fewer buckets leave insertion sort more to move (its branches
     * mispredict), more make the counters outgrow L2. Measured on 3,000 tick streams × 2,000 rows in
     * memory (262,144-event blocks, 4 alternating processes each, mean of the best of 5): 16-bit digits
     * 21.5 M events/s, 17 bits 24.7, 18 bits 25.0. */
    const int digit = bit_length((uint64_t)events) - 1 < 1 ? 1
                      : bit_length((uint64_t)events) - 1 > MAX_DIGIT_BITS ? MAX_DIGIT_BITS
                      : bit_length((uint64_t)events) - 1;
    const int buckets = 1 << digit;
    const int bits = bit_length((maxOffset << id) | ((1ull << id) - 1));
    const int shift = bits > digit ? bits - digit : 0;
    uint32_t* counts = st->counts;
    memset(counts, 0, ((size_t)buckets + 1) * sizeof(uint32_t));
    for (size_t e = 0; e < events; e++) counts[(packed[e] >> shift) + 1]++;
    for (int d = 0; d < buckets; d++) {
      if ((int32_t)counts[d + 1] > maxBucket) {
        code = -1;
        goto done;
      }
      counts[d + 1] += counts[d];
    }
    uint64_t* sorted = st->sorted;
    for (size_t e = 0; e < events; e++) {
      const uint64_t key = packed[e];
      sorted[counts[key >> shift]++] = key;
    }
    for (size_t e = 1; e < events; e++) {
      const uint64_t key = sorted[e];
      size_t j = e;
      while (j > 0 && sorted[j - 1] > key) {
        sorted[j] = sorted[j - 1];
        j--;
      }
      sorted[j] = key;
    }
    const uint64_t mask = (1ull << id) - 1;
    int32_t* sym = (int32_t*)sym_;
    uint32_t* row = (uint32_t*)row_;
    int64_t* ts = (int64_t*)ts_;
    int32_t* starts = (int32_t*)starts_;
    int32_t* ends = (int32_t*)ends_;
    int32_t runs = 0;
    uint64_t previous = UINT64_MAX;
    int64_t timestamp = 0;
    for (size_t p = 0; p < events; p++) {
      if (p + EMIT_PREFETCH_EVENTS < events) {
        /* The gather below reads the staged values in output order, a random walk over the stage: fetch
         * the line of an event ahead (its stream's next staged row now, exact unless the stream has
         * events in between, and then on the same line or the next). */
        const uint32_t ahead = (uint32_t)(sorted[p + EMIT_PREFETCH_EVENTS] & mask);
        for (uint32_t c = 0; c < columns; c++)
          __builtin_prefetch(st->stage + (size_t)c * capacity + (size_t)next[ahead], 0, 3);
      }
      const uint64_t key = sorted[p];
      const uint64_t offset = key >> id;
      const uint32_t i = (uint32_t)(key & mask);
      if (offset != previous) {
        if (runs > 0) ends[runs - 1] = (int32_t)p;
        starts[runs++] = (int32_t)p;
        previous = offset;
        timestamp = head + (int64_t)offset;
      }
      const int32_t e = next[i]++;
      sym[p] = live[i];
      row[p] = (uint32_t)(e + delta[i]);
      ts[p] = timestamp;
      for (uint32_t c = 0; c < columns; c++) outs[c][p] = st->stage[(size_t)c * capacity + (size_t)e];
    }
    if (runs > 0) ends[runs - 1] = (int32_t)events;
    starts[runs] = (int32_t)events;
    code = runs;
  }
done:
  napi_create_int32(env, code, &result);
  return result;
}

/* Grows the bar grid's per-timestamp scratch to `distinct` timestamps; 0 when out of memory. */
static int ensure_grid(Streams* st, size_t distinct) {
  if (distinct > st->gridUnionCapacity) {
    free(st->gridFill);
    free(st->gridUnion);
    st->gridFill = (int32_t*)malloc(distinct * 4);
    st->gridUnion = (int64_t*)malloc(distinct * 8);
    st->gridUnionCapacity = (st->gridFill && st->gridUnion) ? distinct : 0;
    if (st->gridUnionCapacity == 0) return 0;
  }
  return 1;
}

/* Row `r` of a stream's timestamps `t` (`n` rows), or `past` (never a block timestamp) at its end. */
#define TS_AT(t, r, n, past) ((r) < (n) ? (t)[r] : (past))

/* True when row `r` is still inside the block (below the head, or less than `bound` ns after it). */
static int left_behind(const int64_t* t, uint32_t r, uint32_t n, int64_t head, uint64_t bound) {
  if (r >= n) return 0;
  return t[r] < head || (uint64_t)(t[r] - head) < bound;
}

/*
 * gridBars(handle, liveCount, live, cursors, endRows, rows, union, unionLength, headHi, headLo, limit,
 *   sym, row, out, ts32, starts, ends, taken) -> 0, -1 (a stream has a row in the block that is not one of
 *   the block's timestamps, or repeats or decreases: the caller sorts the block another way), or -4 (a row
 *   or an output outside the arrays). The bar grid of `assembly/bar-grid.ts` (`gridBars`, four streams at a
 *   time filling adjacent slots of each timestamp), reading each stream's rows `[cursor, cursor + rows)`
 *   in place from the handle's timestamps and its one gathered column. The grid is filled in `sym`, `row`,
 *   `out`, `ts32` themselves (each at least liveCount × unionLength events long, else -4), then compacted
 *   there (each timestamp's run after the previous one), with `starts[u]`/`ends[u]` and the rows taken
 *   per live stream in `taken[i]`. On -1 or -4 the output arrays hold anything.
 */
static napi_value grid_bars(napi_env env, napi_callback_info info) {
  size_t argc = 18;
  napi_value argv[18];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 18) return fail(env, "gridBars: 18 arguments expected");
  Streams* st;
  if (napi_unwrap(env, argv[0], (void**)&st) != napi_ok) return fail(env, "gridBars: not a handle");
  if (st->columns != 1) return fail(env, "gridBars: the handle must hold exactly one gathered column");
  int32_t liveCount, rowsMax, unionLength, headHi;
  uint32_t headLo;
  double limit;
  napi_get_value_int32(env, argv[1], &liveCount);
  napi_get_value_int32(env, argv[5], &rowsMax);
  napi_get_value_int32(env, argv[7], &unionLength);
  napi_get_value_int32(env, argv[8], &headHi);
  napi_get_value_uint32(env, argv[9], &headLo);
  napi_get_value_double(env, argv[10], &limit);
  void *live_, *cursors_, *endRows_, *union_, *sym_, *row_, *out_, *ts_, *starts_, *ends_, *taken_;
  size_t liveLen, cursorsLen, endRowsLen, unionWords, symLen, rowLen, outWords, tsWords, startsLen, endsLen,
      takenLen;
  if (!ints_of(env, argv[2], &live_, &liveLen) || !ints_of(env, argv[3], &cursors_, &cursorsLen) ||
      !ints_of(env, argv[4], &endRows_, &endRowsLen) || !words_of(env, argv[6], &union_, &unionWords) ||
      !ints_of(env, argv[11], &sym_, &symLen) || !ints_of(env, argv[12], &row_, &rowLen) ||
      !words_of(env, argv[13], &out_, &outWords) || !words_of(env, argv[14], &ts_, &tsWords) ||
      !ints_of(env, argv[15], &starts_, &startsLen) || !ints_of(env, argv[16], &ends_, &endsLen) ||
      !ints_of(env, argv[17], &taken_, &takenLen))
    return fail(env, "gridBars: typed arrays expected");
  const int32_t* live = (const int32_t*)live_;
  const uint32_t* cursors = (const uint32_t*)cursors_;
  const uint32_t* endRows = (const uint32_t*)endRows_;
  const double* unionOffsets = (const double*)union_;
  int32_t* taken = (int32_t*)taken_;
  napi_value result;
  int32_t code = -4;
  const size_t slots = (size_t)(liveCount > 0 ? liveCount : 0) * (size_t)(unionLength > 0 ? unionLength : 0);
  if (liveCount < 1 || unionLength < 1 || rowsMax < 1 || (size_t)liveCount > liveLen ||
      (size_t)liveCount > takenLen || (size_t)unionLength > unionWords || (size_t)unionLength > startsLen ||
      (size_t)unionLength > endsLen || !(limit >= 0) || slots > symLen || slots > rowLen ||
      slots > outWords || slots > tsWords || !ensure_grid(st, (size_t)unionLength))
    goto done;
  {
    const uint32_t n = st->streams;
    for (int32_t i = 0; i < liveCount; i++) {
      const int32_t s = live[i];
      if (s < 0 || (uint32_t)s >= n || (size_t)s >= cursorsLen || (size_t)s >= endRowsLen ||
          endRows[s] < cursors[s] || endRows[s] > st->rows[s])
        goto done;
    }
    const int64_t head = (int64_t)(((uint64_t)(uint32_t)headHi << 32) | headLo);
    const int64_t past = head - 1;
    const uint64_t bound = limit >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)limit;
    int64_t* uni = st->gridUnion;
    int32_t* fill = st->gridFill;
    for (int32_t u = 0; u < unionLength; u++) {
      uni[u] = head + (int64_t)(uint64_t)unionOffsets[u];
      fill[u] = u * liveCount;
    }
    /* The grid is laid out in the block arrays themselves (timestamp u's slots from u * liveCount), then
     * compacted in place: no scratch of its own (6 MiB for 3,000 streams, first-touched by every fresh
     * process) and half the cache lines per block. */
    int32_t* gsym = (int32_t*)sym_;
    uint32_t* grow = (uint32_t*)row_;
    uint64_t* gout = (uint64_t*)out_;
    int64_t* gts = (int64_t*)ts_;
    const uint64_t* const* col = st->cols;
    for (int32_t i = 0; i < liveCount; i += 4) {
      const int32_t m = liveCount - i < 4 ? liveCount - i : 4;
      const int64_t* t[4] = {0};
      const uint64_t* w[4] = {0};
      uint32_t cnt[4] = {0, 0, 0, 0}, r[4] = {0, 0, 0, 0}, c[4] = {0, 0, 0, 0};
      int32_t sid[4] = {0, 0, 0, 0};
      int64_t k[4] = {past, past, past, past};
      for (int32_t j = 0; j < m; j++) {
        const int32_t s = live[i + j];
        c[j] = cursors[s];
        const uint32_t left = endRows[s] - c[j];
        cnt[j] = (uint32_t)rowsMax < left ? (uint32_t)rowsMax : left;
        t[j] = st->ts[s] + c[j];
        w[j] = col[s] + c[j];
        sid[j] = s;
        k[j] = TS_AT(t[j], 0, cnt[j], past);
      }
      for (int32_t j = 0; j < 4 && i + PREFETCH_STREAMS + j < liveCount; j++) {
        const int32_t p = live[i + PREFETCH_STREAMS + j];
        if (p >= 0 && (uint32_t)p < n && (size_t)p < cursorsLen && cursors[p] < st->rows[p]) {
          size_t ahead = st->rows[p] - cursors[p];
          size_t bytes = 8 * ((size_t)rowsMax < ahead ? (size_t)rowsMax : ahead);
          prefetch_rows(st->ts[p] + cursors[p], bytes);
          prefetch_rows(col[p] + cursors[p], bytes);
        }
      }
      for (int32_t u = 0; u < unionLength; u++) {
        const int64_t key = uni[u];
        int32_t p = fill[u];
        for (int32_t j = 0; j < 4; j++) {
          if (k[j] == key) {
            gsym[p] = sid[j];
            grow[p] = c[j] + r[j];
            gout[p] = w[j][r[j]];
            gts[p] = key;
            p++;
            r[j]++;
            k[j] = TS_AT(t[j], r[j], cnt[j], past);
          }
        }
        fill[u] = p;
      }
      for (int32_t j = 0; j < m; j++) {
        if (left_behind(t[j], r[j], cnt[j], head, bound)) {
          code = -1;
          goto done;
        }
        taken[i + j] = (int32_t)r[j];
      }
    }
    int32_t* starts = (int32_t*)starts_;
    int32_t* ends = (int32_t*)ends_;
    /* Compaction: timestamp u's run moves down to `at` (at <= u * liveCount, so memmove never overwrites
     * a run not moved yet); runs before the first gap stay where they are. */
    size_t at = 0;
    for (int32_t u = 0; u < unionLength; u++) {
      const size_t first = (size_t)u * (size_t)liveCount;
      const size_t count = (size_t)fill[u] - first;
      if (at != first && count > 0) {
        memmove(gsym + at, gsym + first, count * 4);
        memmove(grow + at, grow + first, count * 4);
        memmove(gout + at, gout + first, count * 8);
        memmove(gts + at, gts + first, count * 8);
      }
      starts[u] = (int32_t)at;
      at += count;
      ends[u] = (int32_t)at;
    }
    code = 0;
  }
done:
  napi_create_int32(env, code, &result);
  return result;
}

/*
 * headLimit(handle, liveCount, live, cursors, endRows, k, maxSpan, head) -> limit, or NaN (a live
 * stream's cursor not below its end or its end past its arrays, k < 1, or head shorter than 2: a caller's
 * bug; NaN, since a negative limit is a result, for streams whose timestamps decrease).
 * The bound of a block of `'block'`: stores the smallest timestamp at the cursors of the live streams in
 * head as (high int32, low uint32) halves, and returns the smallest key (ns after that head) of the rows
 * `k` ahead of the cursors, capped at maxSpan (maxSpan when no live stream has k rows ahead). The same
 * result as `blockHeadAndLimit` (`src/strategies/block-kernels.ts`), with the two rows of the stream
 * PREFETCH_STREAMS ahead prefetched: each visit is a cache (and TLB) miss in a different page of
 * thousands of streams, and their latency is the cost (measured, 3,000 streams from a segment file:
 * 15–19 ms of a bar replay and 43–47 ms of a tick replay in TypeScript, see the merge-replay README).
 */
static napi_value head_limit(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 8) return fail(env, "headLimit: 8 arguments expected");
  Streams* st;
  if (napi_unwrap(env, argv[0], (void**)&st) != napi_ok) return fail(env, "headLimit: not a handle");
  int32_t liveCount, k;
  double maxSpan;
  napi_get_value_int32(env, argv[1], &liveCount);
  napi_get_value_int32(env, argv[5], &k);
  napi_get_value_double(env, argv[6], &maxSpan);
  void *live_, *cursors_, *endRows_, *head_;
  size_t liveLen, cursorsLen, endRowsLen, headWords;
  if (!ints_of(env, argv[2], &live_, &liveLen) || !ints_of(env, argv[3], &cursors_, &cursorsLen) ||
      !ints_of(env, argv[4], &endRows_, &endRowsLen) || !words_of(env, argv[7], &head_, &headWords))
    return fail(env, "headLimit: typed arrays expected");
  const int32_t* live = (const int32_t*)live_;
  const uint32_t* cursors = (const uint32_t*)cursors_;
  const uint32_t* endRows = (const uint32_t*)endRows_;
  double* head = (double*)head_;
  double limit = __builtin_nan("");
  napi_value result;
  if (liveCount < 1 || (size_t)liveCount > liveLen || k < 1 || headWords < 2) goto done;
  {
    const uint32_t n = st->streams;
    for (int32_t i = 0; i < liveCount; i++) {
      const int32_t s = live[i];
      if (s < 0 || (uint32_t)s >= n || (size_t)s >= cursorsLen || (size_t)s >= endRowsLen ||
          cursors[s] >= endRows[s] || endRows[s] > st->rows[s])
        goto done;
    }
    int64_t first = INT64_MAX;
    int64_t ahead = INT64_MAX;
    int bounded = 0;
    for (int32_t i = 0; i < liveCount; i++) {
      if (i + PREFETCH_STREAMS < liveCount) {
        const int32_t p = live[i + PREFETCH_STREAMS];
        const int64_t* t = st->ts[p];
        __builtin_prefetch(t + cursors[p], 0, 0);
        if ((uint64_t)cursors[p] + (uint64_t)k < endRows[p]) __builtin_prefetch(t + cursors[p] + k, 0, 0);
      }
      const int32_t s = live[i];
      const int64_t* t = st->ts[s];
      const uint32_t row = cursors[s];
      if (t[row] < first) first = t[row];
      if ((uint64_t)row + (uint64_t)k >= endRows[s]) continue;
      if (t[row + k] < ahead) ahead = t[row + k];
      bounded = 1;
    }
    const int32_t hi0 = (int32_t)(first >> 32);
    const uint32_t lo0 = (uint32_t)first;
    head[0] = (double)hi0;
    head[1] = (double)lo0;
    if (!bounded) {
      limit = maxSpan;
    } else {
      /* As the TypeScript: (limHi - hi0) * 2^32 + (limLo - lo0), in doubles. */
      const double span = ((double)(int32_t)(ahead >> 32) - (double)hi0) * 4294967296.0 +
                          ((double)(uint32_t)ahead - (double)lo0);
      limit = span < maxSpan ? span : maxSpan;
    }
  }
done:
  napi_create_double(env, limit, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"streams", NULL, make_streams, NULL, NULL, NULL, napi_writable | napi_configurable, NULL},
      {"sparseBlock", NULL, sparse_block, NULL, NULL, NULL, napi_writable | napi_configurable, NULL},
      {"gridBars", NULL, grid_bars, NULL, NULL, NULL, napi_writable | napi_configurable, NULL},
      {"headLimit", NULL, head_limit, NULL, NULL, NULL, napi_writable | napi_configurable, NULL},
  };
  napi_define_properties(env, exports, 4, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
