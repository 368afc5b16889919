/**
 * README examples are tests: every ```ts block of the root README, packages/*\/README.md and
 * apps/cli/README.md is type-checked against the built packages (dist types) and, unless marked
 * `no-run` or `signature`, run with node on the demo data (scripts/doc-tests, CONTRIBUTING.md).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allBlocks,
  extractBlocks,
  type ReadmeBlock,
  readmeFiles,
  runBlock,
  typeCheck,
  writeWorkspace,
} from '../../../scripts/doc-tests/doc-tests.mjs';

const blocks = allBlocks();
const dir = mkdtempSync(join(tmpdir(), 'mmtape-readme-examples-'));
let diagnostics = new Map<string, string[]>();

beforeAll(() => {
  writeWorkspace(dir, blocks);
  diagnostics = typeCheck(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  it('covers every TypeScript block of every README', () => {
    let fences = 0;
    for (const f of readmeFiles())
      fences += (readFileSync(f, 'utf8').match(/^```(ts|typescript)\b/gm) ?? []).length;
    expect(blocks.length).toBe(fences);
    expect(blocks.length).toBeGreaterThanOrEqual(20);
    expect(new Set(blocks.map((b) => b.file))).toContain('packages/walk-forward/README.md');
  });

  it.each(blocks.map((b) => [`${b.file}:${b.line} [${b.kind}]`, b] as const))(
    '%s',
    (_name, block: ReadmeBlock) => {
      expect(diagnostics.get(block.id) ?? [], 'tsc').toEqual([]);
      if (block.kind !== 'run') return;
      const r = runBlock(dir, block);
      expect(r.status, `${block.file}:${block.line} failed:\n${r.stderr}`).toBe(0);
    },
  );
});

describe('the doc-test runner', () => {
  it('reads markers, rejects unknown ones, skips other fences', () => {
    const md = [
      '```sh',
      '```ts',
      'not a fence inside sh',
      '```',
      '```ts no-run',
      'a();',
      '```',
      '```typescript',
      'b();',
      '```',
    ];
    expect(extractBlocks(md.join('\n'))).toEqual([
      { line: 5, kind: 'no-run', code: 'a();' },
      { line: 8, kind: 'run', code: 'b();' },
    ]);
    expect(() => extractBlocks('```ts norun\nx\n```', 'X.md')).toThrow(
      'X.md:1: unknown code block marker "norun"',
    );
  });

  it('a wrong example fails: type error, unknown name in a signature, run-time throw', () => {
    const bad = mkdtempSync(join(tmpdir(), 'mmtape-readme-bad-'));
    try {
      const mk = (id: string, kind: ReadmeBlock['kind'], code: string): ReadmeBlock => ({
        id,
        kind,
        code,
        line: 1,
        file: 'packages/errors/README.md',
        pkg: '@mmtape/errors',
      });
      const wrong = [
        mk('types', 'no-run', "import { isMmtapeError } from '@mmtape/errors';\nisMmtapeError(1, 2, 3);"),
        mk('sig', 'signature', 'function f(e: MmtapeError, x: NoSuchType): void;'),
        mk('throws', 'run', "throw new Error('example broke');"),
      ];
      writeWorkspace(bad, wrong);
      const d = typeCheck(bad);
      expect(d.get('types')?.join()).toContain('Expected');
      expect(d.get('sig')).toEqual([expect.stringContaining("Cannot find name 'NoSuchType'")]);
      const r = runBlock(bad, wrong[2]!);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('example broke');
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
