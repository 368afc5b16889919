/**
 * Canonical JSON: one string per value, independent of object key order, used to derive cache keys.
 *
 * Rules (a superset of `JSON.stringify`, made deterministic and injective for the supported types):
 * - objects: own enumerable string keys, sorted by UTF-16 code units; properties whose value is
 *   `undefined` are dropped; `toJSON()` is honoured (as `JSON.stringify` does).
 * - arrays: in order; `undefined` elements and holes become `null` (as `JSON.stringify` does).
 * - strings, finite numbers, booleans, `null`: as `JSON.stringify` (so `-0` is written `0`).
 * - values JSON cannot express become tagged objects whose first key is `"\u0000t"`:
 *   `NaN`/`Infinity`/`-Infinity` → `{"\u0000t":"number","v":"NaN"}`;
 *   bigint → `{"\u0000t":"bigint","v":"-12"}`;
 *   `Date` → `{"\u0000t":"Date","v":"2020-01-02T00:00:00.000Z"}`;
 *   typed arrays and DataView → `{"\u0000t":"Float64Array","length":3,"sha256":"<hex of the viewed bytes>"}`;
 *   ArrayBuffer → `{"\u0000t":"ArrayBuffer","length":<bytes>,"sha256":"…"}`.
 *   User keys that start with `"\u0000"` are escaped by one more leading `"\u0000"`, so a plain object
 *   can never produce a tag.
 * - top-level `undefined` is written `null`.
 * - functions, symbols, Map, Set, WeakMap/WeakSet, Promise and cycles throw
 *   {@link UnsupportedKeyValueError} (JSON would silently drop or mangle them, making keys collide).
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { UnsupportedKeyValueError } from './errors.js';

const TAG = '"\\u0000t"';

/**
 * Returns the canonical JSON text of `value` (rules in the module doc).
 *
 * @throws UnsupportedKeyValueError for functions, symbols, Map, Set, WeakMap, WeakSet, Promise, cycles.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', new Set());
}

function write(value: unknown, path: string, stack: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : `{${TAG}:"number","v":"${String(value)}"}`;
    case 'bigint':
      return `{${TAG}:"bigint","v":"${value.toString()}"}`;
    case 'undefined':
      return 'null';
    case 'function':
    case 'symbol':
      throw new UnsupportedKeyValueError(path, typeof value);
  }
  if (value === null) return 'null';
  const obj = value as object;
  const tag = Object.prototype.toString.call(obj).slice(8, -1);
  if (ArrayBuffer.isView(obj)) {
    const bytes = new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength);
    const length = 'length' in obj ? (obj as { length: number }).length : obj.byteLength;
    return `{${TAG}:${JSON.stringify(tag)},"length":${length},"sha256":"${sha256Hex(bytes)}"}`;
  }
  if (tag === 'ArrayBuffer' || tag === 'SharedArrayBuffer') {
    const bytes = new Uint8Array(obj as ArrayBuffer);
    return `{${TAG}:"${tag}","length":${bytes.byteLength},"sha256":"${sha256Hex(bytes)}"}`;
  }
  if (tag === 'Date') {
    const time = (obj as Date).getTime();
    const v = Number.isNaN(time) ? 'Invalid Date' : (obj as Date).toISOString();
    return `{${TAG}:"Date","v":"${v}"}`;
  }
  if (UNSUPPORTED_TAGS.has(tag)) throw new UnsupportedKeyValueError(path, tag);
  if (stack.has(obj)) throw new UnsupportedKeyValueError(path, 'circular reference');
  stack.add(obj);
  try {
    if (Array.isArray(obj)) {
      const parts: string[] = [];
      for (let i = 0; i < obj.length; i++) parts.push(write(obj[i], `${path}[${i}]`, stack));
      return `[${parts.join(',')}]`;
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return write(toJSON.call(obj), path, stack);
    const record = obj as Record<string, unknown>;
    const entries: [string, string][] = [];
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (child === undefined) continue;
      const escaped = key.startsWith('\u0000') ? `\u0000${key}` : key;
      entries.push([escaped, write(child, `${path}.${key}`, stack)]);
    }
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  } finally {
    stack.delete(obj);
  }
}

const UNSUPPORTED_TAGS: ReadonlySet<string> = new Set([
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'Promise',
  'WeakRef',
]);

/** Lowercase hex SHA-256 of `bytes` (node:crypto, OpenSSL). */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
