import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBoundedFile, readJsonFile } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-errors-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected a throw');
}

const options = { maxBytes: 1024, what: 'test file' };

describe('readJsonFile', () => {
  it('reads a small JSON file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, '{"a":[1,{"b":"[[[{"}]}');
    expect(readJsonFile(path, options)).toEqual({ a: [1, { b: '[[[{' }] });
  });

  it('refuses a symlink to /dev/zero at once with a typed data error', () => {
    const path = join(dir, 'zero.json');
    symlinkSync('/dev/zero', path);
    const e = thrown(() => readJsonFile(path, options));
    expect(e).toMatchObject({
      code: 'MMTAPE_FILE_NOT_REGULAR',
      kind: 'data',
      path,
      actual: 'a character device',
    });
  });

  it('refuses a directory', () => {
    const path = join(dir, 'folder.json');
    mkdirSync(path);
    expect(thrown(() => readJsonFile(path, options))).toMatchObject({
      code: 'MMTAPE_FILE_NOT_REGULAR',
      actual: 'a directory',
    });
  });

  it('refuses a file over maxBytes, naming the limit and the size', () => {
    const path = join(dir, 'big.json');
    writeFileSync(path, `[${'0,'.repeat(600)}0]`);
    expect(thrown(() => readJsonFile(path, options))).toMatchObject({
      code: 'MMTAPE_FILE_TOO_LARGE',
      kind: 'data',
      expected: 1024,
      actual: 1203,
    });
  });

  it('refuses 100,000-deep nesting before parsing (no stack overflow)', () => {
    const path = join(dir, 'deep.json');
    writeFileSync(path, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const e = thrown(() => readJsonFile(path, { maxBytes: 1 << 20, what: 'test file' }));
    expect(e).toMatchObject({ code: 'MMTAPE_FILE_INVALID_JSON', kind: 'data', path });
    expect(String(e.message)).toContain('nested more than 256 levels deep');
  });

  it('accepts nesting up to maxDepth', () => {
    const path = join(dir, 'depth3.json');
    writeFileSync(path, '[[[1]]]');
    expect(readJsonFile(path, { ...options, maxDepth: 3 })).toEqual([[[1]]]);
    expect(thrown(() => readJsonFile(path, { ...options, maxDepth: 2 }))).toMatchObject({
      code: 'MMTAPE_FILE_INVALID_JSON',
    });
  });

  it('turns a syntax error and invalid UTF-8 into InvalidJsonError naming the file', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"a": }');
    expect(thrown(() => readJsonFile(bad, options))).toMatchObject({
      code: 'MMTAPE_FILE_INVALID_JSON',
      path: bad,
    });
    const latin1 = join(dir, 'latin1.json');
    writeFileSync(latin1, Buffer.from([0x22, 0xe9, 0x22]));
    expect(thrown(() => readJsonFile(latin1, options))).toMatchObject({
      code: 'MMTAPE_FILE_INVALID_JSON',
      detail: 'not valid UTF-8',
    });
  });

  it('wraps a missing file as a usage SystemCallError naming the file', () => {
    const path = join(dir, 'missing.json');
    const e = thrown(() => readJsonFile(path, options));
    expect(e).toMatchObject({ code: 'MMTAPE_SYSTEM_CALL_FAILED', kind: 'usage', errno: 'ENOENT', path });
    expect(String(e.message)).toContain(`test file ${path}`);
  });
});

describe('readBoundedFile', () => {
  it('returns exactly the bytes of a file of maxBytes bytes', () => {
    const path = join(dir, 'exact.bin');
    writeFileSync(path, Buffer.alloc(1024, 7));
    const bytes = readBoundedFile(path, options);
    expect(bytes.byteLength).toBe(1024);
    expect(bytes.every((b) => b === 7)).toBe(true);
  });
});
