// One error hierarchy: every error class in the product extends KeygateError (core/errors.ts), so each has a
// stable `code` and a `cause`. Only KeygateError itself may extend Error directly.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SOURCE_ROOTS = ['core', 'client', 'handlers', 'infra', 'local', 'bench', 'load', 'tools', 'examples'];
const EXTENDS_BUILTIN = /class\s+(\w+)(?:<[^>]*>)?\s+extends\s+(?:Error|TypeError|RangeError)\b/g;

/** `file:Class` for every class in `source` that extends a built-in error directly. */
function directErrorClasses(file: string, source: string): string[] {
  return [...source.matchAll(EXTENDS_BUILTIN)].map((m) => `${file}:${m[1]}`);
}

const root = path.resolve(import.meta.dirname, '..', '..');
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => SOURCE_ROOTS.includes(f.split('/')[0] ?? '') && !f.startsWith('load/k6/'));

describe('error hierarchy', () => {
  it('has no error class besides KeygateError extending Error directly', () => {
    const found = files.flatMap((f) => directErrorClasses(f, readFileSync(path.join(root, f), 'utf8')));
    expect(found).toEqual(['core/errors.ts:KeygateError']);
  });

  it.each([
    ['export class DemoFileError extends Error {}', ['x.ts:DemoFileError']],
    ['class A<C extends string> extends TypeError {', ['x.ts:A']],
    ["export class B extends KeygateError<'b'> {", []],
  ])('flags a class that extends a built-in error: %s', (source, expected) => {
    expect(directErrorClasses('x.ts', source)).toEqual(expected);
  });
});
