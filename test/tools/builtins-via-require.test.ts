// The Lambda bundles' built-in plugin: a bundle built with it loads Node built-ins through the createRequire
// banner, reads only the exports something imports (an unused lazily loading one stays unloaded), and still
// works for default, named and accessor imports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinsViaRequire } from '../../tools/builtins-via-require.js';

const dir = mkdtempSync(join(tmpdir(), 'keygate-builtins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BANNER =
  "import { createRequire as __keygateCreateRequire } from 'node:module'; const require = __keygateCreateRequire(import.meta.url);";

/** Bundles `source` as the Lambda builds do, runs it in a fresh node, returns the bundle and its stdout. */
async function bundleAndRun(name: string, source: string): Promise<{ code: string; stdout: string }> {
  const entry = join(dir, `${name}.ts`);
  const outfile = join(dir, `${name}.mjs`);
  writeFileSync(entry, source);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    banner: { js: BANNER },
    plugins: [builtinsViaRequire],
    logLevel: 'silent',
  });
  return {
    code: readFileSync(outfile, 'utf8'),
    stdout: execFileSync(process.execPath, [outfile], { encoding: 'utf8' }),
  };
}

describe('builtinsViaRequire', () => {
  it('loads a built-in with require and leaves its unused lazily loading exports unread', async () => {
    const { code, stdout } = await bundleAndRun(
      'named',
      "import { isIP } from 'node:net';\n" +
        "console.log(JSON.stringify([isIP('127.0.0.1'), process.moduleLoadList.includes('NativeModule internal/blocklist')]));",
    );
    expect([/\bfrom\s*["']node:net["']/.test(code), /\("node:net"\)/.test(code), JSON.parse(stdout)]).toEqual(
      [false, true, [4, false]],
    );
  });

  it.each([
    ['a default import', "import fs from 'node:fs';\nconsole.log(typeof fs.readFileSync);", 'function'],
    [
      'a namespace import',
      "import * as path from 'node:path';\nconsole.log(path.posix.join('a', 'b'));",
      'a/b',
    ],
    [
      'a named import of an accessor export',
      "import { promises } from 'node:fs';\nconsole.log(typeof promises.readFile);",
      'function',
    ],
    [
      'a node:-less specifier',
      "import { createHash } from 'crypto';\nconsole.log(createHash('sha256').update('').digest('hex').slice(0, 8));",
      'e3b0c442',
    ],
  ])('keeps %s working', async (_name, source, expected) => {
    const { stdout } = await bundleAndRun(_name.replaceAll(' ', '-'), source);
    expect(stdout.trim()).toBe(expected);
  });
});
