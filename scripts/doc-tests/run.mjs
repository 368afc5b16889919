// node scripts/doc-tests/run.mjs [--keep]: type-checks and runs every README TypeScript example
// (after `pnpm build`), prints one line per block, exits 1 when one fails. The test suite runs the
// same through apps/cli/test/readme-examples.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allBlocks, runBlock, typeCheck, writeWorkspace } from './doc-tests.mjs';

const dir = mkdtempSync(join(tmpdir(), 'mmtape-doc-tests-'));
let failed = 0;
try {
  const blocks = allBlocks();
  writeWorkspace(dir, blocks);
  const diagnostics = typeCheck(dir);
  for (const b of blocks) {
    const errors = diagnostics.get(b.id) ?? [];
    let status = errors.length === 0 ? 'types ok' : `TYPE ERRORS\n    ${errors.join('\n    ')}`;
    if (errors.length === 0 && b.kind === 'run') {
      const r = runBlock(dir, b);
      status += r.status === 0 ? ', ran ok' : `, RUN FAILED (exit ${r.status})\n${r.stderr.trim()}`;
      if (r.status !== 0) failed++;
    }
    if (errors.length > 0) failed++;
    console.log(`${b.file}:${b.line} [${b.kind}] ${status}`);
  }
  console.log(`${blocks.length} blocks, ${failed} failed`);
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exit(failed > 0 ? 1 : 0);
