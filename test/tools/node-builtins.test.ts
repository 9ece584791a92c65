// The Lambda bundles' built-in plugin: a bundle built with it (and no createRequire banner) loads Node
// built-ins through process.getBuiltinModule, reads only the exports something imports (an unused lazily
// loading one stays unloaded), and still serves default, namespace, accessor and CommonJS require() imports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinOfSource, nodeBuiltins } from '../../tools/node-builtins.js';

const dir = mkdtempSync(join(tmpdir(), 'keygate-builtins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    plugins: [nodeBuiltins],
    logLevel: 'silent',
  });
  return {
    code: readFileSync(outfile, 'utf8'),
    stdout: execFileSync(process.execPath, [outfile], { encoding: 'utf8' }),
  };
}

describe('nodeBuiltins', () => {
  it('loads a built-in without an ESM import and leaves its unused lazily loading exports unread', async () => {
    const { code, stdout } = await bundleAndRun(
      'named',
      "import { isIP } from 'node:net';\n" +
        "console.log(JSON.stringify([isIP('127.0.0.1'), process.moduleLoadList.includes('NativeModule internal/blocklist')]));",
    );
    expect([
      /\bfrom\s*["']node:/.test(code),
      code.includes('getBuiltinModule("node:net")'),
      JSON.parse(stdout),
    ]).toEqual([false, true, [4, false]]);
  });

  it("serves a bundled CommonJS dependency's require() of a built-in without a require banner", async () => {
    writeFileSync(join(dir, 'dep.cjs'), "module.exports = require('node:path').posix.join('x', 'y');");
    const { code, stdout } = await bundleAndRun(
      'cjs',
      "import joined from './dep.cjs';\nconsole.log(joined);",
    );
    expect([code.includes('Dynamic require of'), stdout.trim()]).toEqual([false, 'x/y']);
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
  ])('keeps %s working', async (name, source, expected) => {
    const { stdout } = await bundleAndRun(name.replaceAll(' ', '-'), source);
    expect(stdout.trim()).toBe(expected);
  });

  it.each([
    ['keygate-node-builtin:tls', 'tls'],
    ['keygate-node-builtin-cjs:fs/promises', 'fs/promises'],
    ['../../core/jwt/verifier.ts', undefined],
    ['node:tls', undefined],
  ])('names the built-in behind the source map source %s', (source, name) => {
    expect(builtinOfSource(source)).toBe(name);
  });
});
