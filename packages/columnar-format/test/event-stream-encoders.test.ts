import { Writable } from 'node:stream';
import { isMmtapeError } from '@mmtape/columnar-format';
import { createEventArrowEncoder } from '@mmtape/columnar-format/arrow';
import {
  createEventCsvEncoder,
  createEventNdjsonEncoder,
  type EventChunk,
  type EventStreamSchema,
  formatTimestampNs,
  writeEventStream,
} from '@mmtape/columnar-format/export';
import { MessageHeader, MessageReader, Type, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './helpers.js';

const schema: EventStreamSchema = {
  // A symbol that needs CSV quoting and JSON escaping.
  symbols: ['AAPL', 'BRK.B', 'ODD,"NAME"'],
  columns: [
    { name: 'close', dtype: 'f64' },
    { name: 'volume', dtype: 'i64' },
  ],
};

/** `length` seeded events in (timestamp, symbol id) order, with NaN, -0 and a large i64 among them. */
function makeChunk(length: number, seed: number, capacity = length + 7): EventChunk {
  const rand = mulberry32(seed);
  const symbolId = new Int32Array(capacity);
  const timestampNs = new BigInt64Array(capacity);
  const close = new Float64Array(capacity);
  const volume = new BigInt64Array(capacity);
  let ts = 1_514_903_400_000_000_000n;
  for (let i = 0; i < length; i++) {
    if (i === 0 || rand() < 0.4) ts += BigInt(Math.floor(rand() * 1e9)) + 1n;
    symbolId[i] = Math.floor(rand() * schema.symbols.length);
    timestampNs[i] = ts;
    close[i] =
      i % 17 === 3 ? Number.NaN : i % 19 === 5 ? -0 : (rand() - 0.3) * 10 ** Math.floor(rand() * 12 - 4);
    volume[i] = i % 23 === 7 ? 9_007_199_254_740_993n : BigInt(Math.floor(rand() * 1e9)) - 1000n;
  }
  return { length, symbolId, timestampNs, columns: { close, volume } };
}

function concat(parts: (Uint8Array | string)[]): Uint8Array {
  const bytes = parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

describe('Arrow IPC stream encoder', () => {
  it('round-trips every event of several chunks and ranges through tableFromIPC', () => {
    const encoder = createEventArrowEncoder(schema);
    const a = makeChunk(500, 1);
    const b = makeChunk(300, 2);
    const parts = [encoder.begin(), encoder.encode(a), encoder.encode(b, 100, 250), encoder.encode(b, 250)];
    // The encoder copies: overwriting the chunks afterwards changes nothing written.
    a.symbolId.fill(0);
    (b.columns.close as Float64Array).fill(1);
    parts.push(encoder.end());
    const table = tableFromIPC(concat(parts));
    const expected = [makeChunk(500, 1), makeChunk(300, 2)];
    const rows: [EventChunk, number][] = [
      ...Array.from({ length: 500 }, (_, i): [EventChunk, number] => [expected[0]!, i]),
      ...Array.from({ length: 200 }, (_, i): [EventChunk, number] => [expected[1]!, 100 + i]),
    ];
    expect(table.numRows).toBe(rows.length);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['symbol', 'timestamp', 'close', 'volume']);
    expect(table.schema.fields.map((f) => f.typeId)).toEqual([
      Type.Dictionary,
      Type.Timestamp,
      Type.Float,
      Type.Int,
    ]);
    const symbol = table.getChild('symbol')!;
    const ts = table.getChild('timestamp')!.data.flatMap((d) => [...(d.values as BigInt64Array)]);
    const close = table.getChild('close')!.toArray() as Float64Array;
    const volume = table.getChild('volume')!.data.flatMap((d) => [...(d.values as BigInt64Array)]);
    rows.forEach(([chunk, i], k) => {
      expect(symbol.get(k)).toBe(schema.symbols[chunk.symbolId[i]!]);
      expect(ts[k]).toBe(chunk.timestampNs[i]);
      expect(Object.is(close[k], chunk.columns.close![i])).toBe(true);
      expect(volume[k]).toBe(chunk.columns.volume![i]);
    });
  });

  it('sends the symbol dictionary once, then one record batch per encode call', () => {
    const encoder = createEventArrowEncoder(schema);
    const bytes = concat([
      encoder.begin(),
      encoder.encode(makeChunk(10, 3)),
      encoder.encode(makeChunk(20, 4)),
      encoder.encode(makeChunk(0, 5)),
      encoder.end(),
    ]);
    const reader = new MessageReader(bytes);
    const headers: MessageHeader[] = [];
    for (const message of reader) {
      headers.push(message.headerType);
      reader.readMessageBody(message.bodyLength);
    }
    expect(headers).toEqual([
      MessageHeader.Schema,
      MessageHeader.DictionaryBatch,
      MessageHeader.RecordBatch,
      MessageHeader.RecordBatch,
    ]);
  });

  it('writes a valid empty stream (schema only) when there are no events', () => {
    const encoder = createEventArrowEncoder(schema);
    const table = tableFromIPC(concat([encoder.begin(), encoder.end()]));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['symbol', 'timestamp', 'close', 'volume']);
  });
});

describe('CSV encoder', () => {
  it('writes the export header, ISO ns timestamps, quoted symbols and exact numbers', () => {
    const encoder = createEventCsvEncoder(schema);
    const chunk: EventChunk = {
      length: 4,
      symbolId: Int32Array.of(0, 2, 1, 0),
      timestampNs: BigInt64Array.of(1514903400000000000n, 1514903400000000001n, -1n, 1514903400123000000n),
      columns: {
        close: Float64Array.of(0.1, -0, Number.NaN, 1.7976931348623157e308),
        volume: BigInt64Array.of(9_223_372_036_854_775_807n, -1n, 0n, 42n),
      },
    };
    expect(encoder.begin()).toBe('symbol,timestamp,close,volume\n');
    expect(encoder.encode(chunk)).toBe(
      [
        'AAPL,2018-01-02T14:30:00.000Z,0.1,9223372036854775807',
        '"ODD,""NAME""",2018-01-02T14:30:00.000000001Z,-0,-1',
        'BRK.B,1969-12-31T23:59:59.999999999Z,,0',
        'AAPL,2018-01-02T14:30:00.123Z,1.7976931348623157e+308,42',
        '',
      ].join('\n'),
    );
    expect(encoder.encode(chunk, 1, 2)).toBe('"ODD,""NAME""",2018-01-02T14:30:00.000000001Z,-0,-1\n');
    expect(encoder.end()).toBe('');
  });

  it('prints every seeded f64 so that Number() gives back the same double', () => {
    const encoder = createEventCsvEncoder({ symbols: schema.symbols, columns: [schema.columns[0]!] });
    const chunk = makeChunk(2000, 6);
    const lines = encoder.encode(chunk).trimEnd().split('\n');
    lines.forEach((line, i) => {
      const field = line.slice(line.lastIndexOf(',') + 1);
      const value = chunk.columns.close![i]!;
      if (Number.isNaN(value)) expect(field).toBe('');
      else expect(Object.is(Number(field), value)).toBe(true);
      expect(line).toContain(formatTimestampNs(chunk.timestampNs[i]!));
    });
  });
});

describe('NDJSON encoder', () => {
  it('writes one object per event with ns strings and exact values', () => {
    const encoder = createEventNdjsonEncoder(schema);
    const chunk = makeChunk(300, 7);
    const lines = encoder.encode(chunk).trimEnd().split('\n');
    expect(lines).toHaveLength(300);
    lines.forEach((line, i) => {
      // Parse the i64 field exactly: quote bare integers before JSON.parse.
      const parsed = JSON.parse(line.replace(/"volume":(-?\d+)/, '"volume":"$1"'));
      expect(Object.keys(parsed)).toEqual(['symbol', 'timestamp', 'close', 'volume']);
      expect(parsed.symbol).toBe(schema.symbols[chunk.symbolId[i]!]);
      expect(parsed.timestamp).toBe(String(chunk.timestampNs[i]));
      const close = chunk.columns.close![i]!;
      if (Number.isNaN(close)) expect(parsed.close).toBeNull();
      else expect(Object.is(parsed.close, close)).toBe(true);
      expect(BigInt(parsed.volume)).toBe(chunk.columns.volume![i]);
    });
    expect(encoder.begin()).toBe('');
    expect(encoder.end()).toBe('');
  });

  it('writes infinities as strings, which JSON numbers cannot hold', () => {
    const encoder = createEventNdjsonEncoder({ symbols: ['X'], columns: [{ name: 'close', dtype: 'f64' }] });
    const text = encoder.encode({
      length: 2,
      symbolId: Int32Array.of(0, 0),
      timestampNs: BigInt64Array.of(1n, 2n),
      columns: { close: Float64Array.of(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
    });
    expect(text).toBe(
      '{"symbol":"X","timestamp":"1","close":"Infinity"}\n{"symbol":"X","timestamp":"2","close":"-Infinity"}\n',
    );
  });
});

describe('encoder input checks', () => {
  const factories = [createEventArrowEncoder, createEventCsvEncoder, createEventNdjsonEncoder];
  it.each(factories.map((f) => [f.name, f] as const))(
    '%s rejects bad chunks with a typed error',
    (_, create) => {
      const encoder = create(schema);
      encoder.begin();
      const good = makeChunk(5, 8);
      const cases: [EventChunk, number?, number?][] = [
        [{ ...good, columns: { close: good.columns.close! } }],
        [{ ...good, columns: { close: good.columns.close!, volume: new Float64Array(20) } }],
        [{ ...good, symbolId: Int32Array.of(0, 1, 3, 0, 0) }],
        [good, 3, 2],
        [good, 0, 6],
      ];
      for (const [chunk, start, end] of cases) {
        let error: unknown;
        try {
          encoder.encode(chunk, start, end);
        } catch (e) {
          error = e;
        }
        expect(isMmtapeError(error) && error.code).toBe('MMTAPE_EXPORT_INVALID_EVENT_INPUT');
      }
    },
  );

  it.each(factories.map((f) => [f.name, f] as const))('%s rejects a bad schema', (_, create) => {
    expect(() => create({ symbols: ['A'], columns: [{ name: 'timestamp', dtype: 'f64' }] })).toThrow(
      /collides/,
    );
    expect(() => create({ symbols: ['A'], columns: [{ name: 'n', dtype: 'i32' as 'i64' }] })).toThrow(
      /expected f64 or i64/,
    );
  });
});

/** A writable that accepts `highWaterMark` bytes, then drains one write per `setImmediate`. */
function slowSink(highWaterMark: number): {
  stream: Writable;
  received: () => number;
  maxBuffered: () => number;
} {
  let received = 0;
  let maxBuffered = 0;
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, callback) {
      received += chunk.byteLength;
      setImmediate(callback);
    },
  });
  const write = stream.write.bind(stream);
  stream.write = ((chunk: never, ...rest: never[]) => {
    const ok = write(chunk, ...rest);
    maxBuffered = Math.max(maxBuffered, stream.writableLength);
    return ok;
  }) as typeof stream.write;
  return { stream, received: () => received, maxBuffered: () => maxBuffered };
}

describe('writeEventStream', () => {
  it('waits for drain: at most one encoded chunk beyond the high-water mark is buffered', async () => {
    const sink = slowSink(1024);
    const encoder = createEventCsvEncoder(schema);
    const chunkBytes = encoder.encode(makeChunk(100, 9)).length;
    const chunks = function* () {
      for (let i = 0; i < 50; i++) yield makeChunk(100, 9);
    };
    const result = await writeEventStream(sink.stream, encoder, chunks(), { end: true });
    expect(result.closedEarly).toBe(false);
    expect(result.events).toBe(5000);
    expect(result.chunks).toBe(50);
    expect(sink.received()).toBe(result.bytes);
    expect(sink.maxBuffered()).toBeLessThanOrEqual(1024 + chunkBytes + 64);
  });

  it('encodes a chunk in writes of at most eventsPerWrite events (Arrow record batches)', async () => {
    const parts: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, callback) {
        parts.push(chunk);
        callback();
      },
    });
    const chunks = [makeChunk(100, 12), makeChunk(45, 13)];
    const result = await writeEventStream(stream, createEventArrowEncoder(schema), chunks, {
      eventsPerWrite: 30,
      end: true,
    });
    expect(result).toMatchObject({ events: 145, chunks: 2, closedEarly: false });
    const table = tableFromIPC(Buffer.concat(parts));
    expect(table.batches.map((b) => b.numRows)).toEqual([30, 30, 30, 10, 30, 15]);
    const ts = table.getChild('timestamp')!.data.flatMap((d) => [...(d.values as BigInt64Array)]);
    expect(ts).toEqual([
      ...chunks[0]!.timestampNs.subarray(0, 100),
      ...chunks[1]!.timestampNs.subarray(0, 45),
    ]);
    await expect(
      writeEventStream(stream, createEventCsvEncoder(schema), [], { eventsPerWrite: 0 }),
    ).rejects.toThrow(/eventsPerWrite 0/);
  });

  it('stops cleanly on EPIPE, pulls no further chunk and closes the iterator', async () => {
    let received = 0;
    const stream = new Writable({
      write(chunk: Buffer, _enc, callback) {
        received += chunk.byteLength;
        if (received > 2000) {
          callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        } else callback();
      },
    });
    let pulled = 0;
    let closed = false;
    const chunks = function* () {
      try {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          yield makeChunk(50, 10);
        }
      } finally {
        closed = true;
      }
    };
    const result = await writeEventStream(stream, createEventNdjsonEncoder(schema), chunks());
    expect(result.closedEarly).toBe(true);
    expect(closed).toBe(true);
    expect(pulled).toBeLessThanOrEqual(2);
  });

  it('rethrows other stream errors', async () => {
    const stream = new Writable({
      write(_chunk, _enc, callback) {
        callback(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      },
    });
    const chunks = function* () {
      for (let i = 0; i < 1000; i++) yield makeChunk(50, 11);
    };
    await expect(writeEventStream(stream, createEventCsvEncoder(schema), chunks())).rejects.toThrow(
      /no space left/,
    );
  });
});
