/**
 * The CSV fast path: plain (unquoted) CSV parsed by uDSV (`udsv`, Leon Sorokin), streamed in text chunks.
 *
 * uDSV's unquoted mode trusts its input: a line with too few fields is joined with the next line and a
 * line with too many leaves the extra delimiters in its last field. Every row is therefore checked (no
 * `\n` inside a field but the last, no delimiter in the last one, nothing left over at the end) and any
 * doubt raises {@link NotPlainCsvError}: the caller then parses the file with csv-parse, which reports
 * the exact error. Quotes and U+FEFF past the start of the text raise it too (csv-parse handles quoting;
 * uDSV would drop a U+FEFF that starts a chunk).
 */

import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { inferSchema, initParser } from 'udsv';
import { type LineRange, readTextChunks } from './read-text-chunks.js';

/** What the sniff found at the head of a plain CSV file. */
export interface PlainCsvHead {
  /** The header line (the first non-empty line), without BOM and line end. */
  header: string;
}

/**
 * The text cannot be parsed safely by the fast path (a quote, a malformed line, a U+FEFF): the caller
 * reads the file with csv-parse instead. Internal, never reaches users.
 */
export class NotPlainCsvError extends Error {
  constructor(path: string, reason: string) {
    super(`${path}: not plain CSV (${reason}); read it with csv-parse`);
    this.name = 'NotPlainCsvError';
  }
}

/** Bytes sniffed to choose the fast path (64 KiB), also the longest header the fast path takes. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Sniffs the first 64 KiB of `path` (gunzipped for `*.gz`): a {@link PlainCsvHead} when they hold no
 * quote and no bare `\r` and contain a complete non-empty line, else undefined (use csv-parse).
 */
export async function sniffPlainCsv(path: string): Promise<PlainCsvHead | undefined> {
  const gzip = path.toLowerCase().endsWith('.gz');
  const source = createReadStream(path, gzip ? {} : { end: SNIFF_BYTES - 1 });
  const stream = gzip ? source.pipe(createGunzip()) : source;
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.byteLength >= SNIFF_BYTES) break;
    }
  } finally {
    source.destroy();
    stream.destroy();
  }
  return plainHead(head.subarray(0, SNIFF_BYTES));
}

/** {@link sniffPlainCsv} on bytes already read. */
function plainHead(bytes: Uint8Array): PlainCsvHead | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.includes(0x22)) return undefined; // '"'
  for (let cr = b.indexOf(0x0d); cr >= 0; cr = b.indexOf(0x0d, cr + 1)) {
    if (cr + 1 < b.length && b[cr + 1] !== 0x0a) return undefined; // bare '\r' (not one cut at the end)
  }
  // UTF-8 BOM: EF BB BF.
  let start = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  for (let nl = b.indexOf(0x0a, start); nl >= 0; nl = b.indexOf(0x0a, start)) {
    const end = nl > start && b[nl - 1] === 0x0d ? nl - 1 : nl; // without the '\r' of '\r\n'
    if (end > start) return { header: b.toString('utf8', start, end) };
    start = nl + 1;
  }
  return undefined;
}

/**
 * Parses plain CSV `path` (gunzipping `*.gz`) with uDSV and calls `onRecord` with the header's fields,
 * then with every data row's fields (string arrays, valid only during the call), in order. Lines end
 * with `\n` or `\r\n` (mixed is fine; a `\r` elsewhere is data); empty lines are skipped (as by
 * csv-parse's `skip_empty_lines`). With `range` only the rows of the lines starting in that byte range are reported (after the
 * header, which is taken from `head`).
 * @param head the file's {@link sniffPlainCsv} result.
 * @param delimiter one ASCII character other than `"`.
 * @param onBytesRead progress: bytes of the file read so far (see `readTextChunks`).
 * @throws NotPlainCsvError when the text needs csv-parse (nothing reported so far can be trusted to be
 *   complete: the caller must discard it); errors thrown by `onRecord`; I/O and gzip errors.
 */
export async function readPlainCsv(
  path: string,
  head: PlainCsvHead,
  delimiter: string,
  onRecord: (fields: string[]) => void,
  range?: LineRange,
  onBytesRead?: (bytes: number) => void,
): Promise<void> {
  // uDSV infers the column names from the header line; `encl: ''` selects its unquoted mode, and the
  // default `header` option makes it skip the first non-empty row of the text (the header).
  const schema = inferSchema(`${head.header}\n`, {
    col: delimiter,
    row: '\n',
    encl: '',
    esc: '',
    trim: false,
  });
  const fieldCount = schema.cols.length;
  onRecord(schema.cols.map((c) => c.name));
  const parser = initParser(schema);
  let ending = false;
  const onRow = (row: string[]): void => {
    if (ending) throw new NotPlainCsvError(path, 'a malformed last line');
    for (let k = 0; k < fieldCount - 1; k++) {
      if (row[k]!.indexOf('\n') >= 0) throw new NotPlainCsvError(path, 'a line with too few fields');
    }
    if (row[fieldCount - 1]!.indexOf(delimiter) >= 0) {
      throw new NotPlainCsvError(path, 'a line with too many fields');
    }
    onRecord(row);
  };
  let first = true;
  let endsWithNewline = true;
  /** Where a leading U+FEFF is the BOM (uDSV strips it): at the start of the file only. */
  const bomAt = range === undefined || range.startBytes === 0 ? 1 : 0;
  /** A '\r' that ended the previous chunk (it may be the first half of a '\r\n'). */
  let carriedCr = false;
  await readTextChunks(
    path,
    (chunkText) => {
      if (chunkText.indexOf('"') >= 0) throw new NotPlainCsvError(path, 'a quote');
      if (chunkText.indexOf('\ufeff', first ? bomAt : 0) >= 0) throw new NotPlainCsvError(path, 'a U+FEFF');
      // Line ends: '\r\n' becomes '\n' (a '\r' elsewhere stays data), so uDSV always splits rows on
      // '\n' and files with mixed line ends read as before.
      let text = carriedCr ? `\r${chunkText}` : chunkText;
      carriedCr = text.charCodeAt(text.length - 1) === 13; // '\r'
      if (carriedCr) text = text.slice(0, -1);
      if (text.indexOf('\r') >= 0) text = text.replaceAll('\r\n', '\n');
      if (text.length === 0) return;
      // A range after the first starts past the header: give uDSV the header to skip.
      if (first && range !== undefined && range.startBytes > 0) text = `${head.header}\n${text}`;
      first = false;
      endsWithNewline = text.charCodeAt(text.length - 1) === 10; // '\n'
      parser.chunk(text, parser.stringArrs, onRow);
    },
    range,
    onBytesRead,
  );
  // Terminate the last line, so that in a valid text every row is complete before end(): uDSV's
  // end-of-text parse of a leftover (malformed) line can invent fields, so any row it yields is refused.
  // A '\r' ending the text is a line end, as before any '\n' (it is dropped).
  if (!endsWithNewline) parser.chunk('\n', parser.stringArrs, onRow);
  ending = true;
  if (!first) parser.end(); // (end() before any chunk() would fail)
}
