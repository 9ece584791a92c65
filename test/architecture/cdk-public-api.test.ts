// infra/ uses aws-cdk-lib through its public API only: no member whose name starts with `_`, the mark of
// aws-cdk-lib's @internal API (jsii leaves such members out of the API its compatibility checks keep stable),
// reached by property access, a string key, or a member defined to stand in for one.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const UNDERSCORE_MEMBER = [
  // `x._attachToApi(...)`, `x?._attachToApi`; not a spread of `_x` (`..._x`).
  /(?<!\.)\??\.\s*(_[A-Za-z$][\w$]*)/g,
  // `x['_attachToApi']`, `Reflect.get(x, '_attachToApi')`.
  /['"`](_[A-Za-z$][\w$]*)['"`]/g,
  // `{ _attachToApi: ... }` (a property descriptor or key), `_attachToApi(api) {` (a class member).
  /(?:^|[{;])\s*(?:(?:public|protected|private|override|static|readonly)\s+)*(_[A-Za-z$][\w$]*)\s*[:(=]/gm,
];

/** `line: member` for every underscore-named member `source` reads or defines. */
function underscoreMembers(source: string): string[] {
  const found = UNDERSCORE_MEMBER.flatMap((re) =>
    [...source.matchAll(re)].map((m) => ({ at: m.index + m[0].indexOf(m[1]!), name: m[1]! })),
  );
  return found
    .sort((a, b) => a.at - b.at)
    .map(({ at, name }) => `${source.slice(0, at).split('\n').length}: ${name}`);
}

const root = path.resolve(import.meta.dirname, '..', '..');
const infraFiles = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', 'infra/*.ts'],
  {
    cwd: root,
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((f) => f !== '');

describe('infra/ and the public aws-cdk-lib API', () => {
  it('scans the constructs, KeygateAuthorizer among them', () => {
    expect(infraFiles).toContain('infra/lib/constructs/keygate-authorizer.ts');
  });

  it.each(infraFiles)('%s uses no underscore (internal) member', (file) => {
    expect(underscoreMembers(readFileSync(path.join(root, file), 'utf8'))).toEqual([]);
  });

  it.each([
    [
      'a descriptor that forwards an internal method (the former require())',
      'const a = Object.create(real, {\n  _attachToApi: { value: (api) => real._attachToApi(api) },\n});',
      ['2: _attachToApi', '2: _attachToApi'],
    ],
    ['optional-chained access', 'api?._attachMethod(method);', ['1: _attachMethod']],
    ['a string key', "Reflect.get(authorizer, '_attachToApi');", ['1: _attachToApi']],
    ['a class member standing in for one', 'class A extends B { _attachToApi(api) {} }', ['1: _attachToApi']],
  ])('flags %s', (_name, source, expected) => {
    expect(underscoreMembers(source)).toEqual(expected);
  });

  it.each([
    ['a spread', 'f(..._rest);'],
    ['an unused parameter', 'const f = (_scope: Construct, id: string) => id;'],
    ['a snake_case name', 'const a = props.log_group;'],
  ])('accepts %s', (_name, source) => {
    expect(underscoreMembers(source)).toEqual([]);
  });
});
