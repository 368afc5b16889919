// After a failed `pnpm test`: when the only problem is test files whose worker process died (vitest's
// "Worker exited unexpectedly": a native crash or a kill, which names no file), name those files, run
// them once more on their own, and merge their results into the JSON report. Any failed assertion, or
// a file that fails or dies again, keeps the step failed. Every rerun is printed, never hidden.
// Usage: node .ci/rerun-crashed.mjs <vitest-json-report>; exit 0 when the merged report is all green.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const reportPath = process.argv[2];
if (!reportPath || !existsSync(reportPath)) {
  console.log('::: rerun: no JSON report, nothing to rerun');
  process.exit(1);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
// The test files of the default run, as vitest's own config selects them (stress tests excluded).
const files = JSON.parse(
  execFileSync('pnpm', ['-s', 'vitest', 'list', '--filesOnly', '--json'], { encoding: 'utf8' }),
).map((entry) => relative(process.cwd(), entry.file));
const byFile = new Map((report.testResults ?? []).map((s) => [relative(process.cwd(), s.name), s]));

const failedAssertions = (s) => (s.assertionResults ?? []).filter((a) => a.status === 'failed').length;
const crashed = [];
let failed = 0;
for (const file of files) {
  const suite = byFile.get(file);
  if (!suite) {
    console.log(`::: test file with no result (its worker died?): ${file}`);
    crashed.push(file);
  } else if (suite.status !== 'passed') {
    const bad = failedAssertions(suite);
    const message = String(suite.message ?? '').split('\n')[0];
    console.log(`::: test file ${suite.status}: ${file} (${bad} failed assertions) ${message}`);
    if (bad > 0 || (suite.assertionResults ?? []).length === 0) failed++;
    else crashed.push(file);
  }
}
if (failed > 0 || crashed.length === 0) process.exit(1);

console.log(`::: rerun once, on their own, the files whose worker died: ${crashed.join(' ')}`);
const rerunPath = `${reportPath}.rerun.json`;
const run = spawnSync(
  'pnpm',
  ['vitest', 'run', ...crashed, '--reporter=default', '--reporter=json', `--outputFile.json=${rerunPath}`],
  { stdio: 'inherit' },
);
if (run.status !== 0 || !existsSync(rerunPath)) {
  console.log(`::: rerun failed too (exit ${run.status}): the crash reproduces`);
  process.exit(1);
}
const rerun = JSON.parse(readFileSync(rerunPath, 'utf8'));
const merged = (report.testResults ?? []).filter((s) => !crashed.includes(relative(process.cwd(), s.name)));
merged.push(...rerun.testResults);
const tests = merged.flatMap((s) => s.assertionResults ?? []);
report.testResults = merged;
report.numPassedTests = tests.filter((a) => a.status === 'passed').length;
report.numFailedTests = tests.filter((a) => a.status === 'failed').length;
report.numTotalTests = tests.length;
report.success = report.numFailedTests === 0;
writeFileSync(reportPath, JSON.stringify(report));
console.log(
  `::: rerun passed: ${crashed.length} file(s) whose worker died in the full run pass on their own (a crash to investigate, see above)`,
);
process.exit(report.success ? 0 : 1);
