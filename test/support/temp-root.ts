// Setup file: every test file gets a temp root of its own (TMPDIR, which os.tmpdir() and child processes
// read), removed after the file. Temp folders nobody names explicitly (aws-cdk-lib's `cdk.out*` for an App
// without an outdir, a test's mkdtemp) are thus removed too, and a run leaves nothing behind in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const outer = process.env.KEYGATE_TEST_OUTER_TMPDIR ?? tmpdir();
process.env.KEYGATE_TEST_OUTER_TMPDIR = outer;
const root = mkdtempSync(join(outer, 'keygate-test-'));
process.env.TMPDIR = root;

afterAll(() => {
  process.env.TMPDIR = outer;
  rmSync(root, { recursive: true, force: true });
});
