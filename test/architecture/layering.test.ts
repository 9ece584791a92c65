// The layers point one way (load -> bench -> local -> handlers -> core; infra -> core), and no product folder
// (core, client, handlers, local, infra, tools) imports the products sample in examples/: every relative
// import in product code is checked against the folders its own folder may use, and heavyweight packages
// stay in the folders that need them. A wrong-direction import fails `npm test` with the file and line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Top-level folder -> the top-level folders its files may import (besides their own). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  client: ['core'],
  handlers: ['core'],
  local: ['handlers', 'core'],
  fixtures: ['examples', 'local', 'handlers', 'core'],
  measure: [],
  bench: ['tools', 'measure', 'fixtures', 'examples', 'local', 'handlers', 'client', 'core'],
  load: ['bench', 'measure', 'fixtures', 'examples', 'local', 'handlers', 'client', 'core'],
  infra: ['core'],
  // Build tooling: the prebuild writes where infra reads (lambda-code.ts); the bench uses only
  // tools/lambda-build-options.ts and tools/node-builtins.ts, which import core alone.
  tools: ['infra', 'core'],
  // The samples use the package as a team would (they are examples, not the product).
  examples: ['infra', 'tools', 'local', 'handlers', 'client', 'core'],
};

/**
 * Until h-shape's branch removes the authorizer policy builder's fallback to the sample's route table
 * (`routes ?? RESOURCE_ROUTES`, issue 25 item 5): the one product import of examples/, removed at that merge.
 */
const PENDING_FALLBACK = 'core/authz/policy-builder.ts';

/** Packages only some folders may import (a Lambda bundle must not pull in CDK, a bench tool or vitest). */
const PACKAGE_OWNERS: Readonly<Record<string, readonly string[]>> = {
  'aws-cdk-lib': ['infra', 'examples'],
  constructs: ['infra', 'examples'],
  'cdk-nag': ['infra', 'examples'],
  tinybench: ['measure', 'bench'],
  autocannon: ['load'],
  vitest: [],
};

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly rule: string;
}

/** Every import in `source` (a file at repo-relative `file`) that breaks the layering. */
function layeringViolations(file: string, source: string): Violation[] {
  const folder = file.split('/')[0]!;
  const allowed = MAY_IMPORT[folder];
  if (allowed === undefined) return [];
  const out: Violation[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1]!;
    const line = source.slice(0, match.index).split('\n').length;
    if (specifier.startsWith('.')) {
      const target = path.posix
        .normalize(path.posix.join(path.posix.dirname(file), specifier))
        .split('/')[0]!;
      const pending = file === PENDING_FALLBACK && target === 'examples';
      if (target !== folder && !allowed.includes(target) && !pending) {
        out.push({
          file,
          line,
          specifier,
          rule: `${folder}/ may import only ${[folder, ...allowed].join(', ')}`,
        });
      }
      continue;
    }
    const pkg = specifier.startsWith('@')
      ? specifier.split('/').slice(0, 2).join('/')
      : specifier.split('/')[0]!;
    const owners = PACKAGE_OWNERS[pkg];
    if (owners !== undefined && !owners.includes(folder)) {
      out.push({ file, line, specifier, rule: `${pkg} belongs to ${owners.join(', ') || 'test/ only'}` });
    }
  }
  return out;
}

const root = path.resolve(import.meta.dirname, '..', '..');
const productFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f !== '' && MAY_IMPORT[f.split('/')[0]!] !== undefined && !f.startsWith('load/k6/'));

describe('import layering', () => {
  it.each(Object.keys(MAY_IMPORT))('%s/ imports only the layers below it', (folder) => {
    const violations = productFiles
      .filter((f) => f.startsWith(`${folder}/`))
      .flatMap((f) => layeringViolations(f, readFileSync(path.join(root, f), 'utf8')));
    expect(violations).toEqual([]);
  });

  it.each([
    ['core/jwt/x.ts', "import { a } from '../../handlers/authorizer.js';", 'core/ may import only core'],
    ['handlers/x.ts', "export { b } from '../local/stack.js';", 'handlers/ may import only handlers, core'],
    [
      'local/x.ts',
      "const m = await import('../test/support/kms.js');",
      'local/ may import only local, handlers, core',
    ],
    [
      'bench/suites/x.ts',
      "import '../../load/local/run.js';",
      'bench/ may import only bench, tools, measure',
    ],
    ['infra/lib/x.ts', "import { c } from '../../handlers/token.js';", 'infra/ may import only infra, core'],
    [
      'local/x.ts',
      "import { PRODUCTS_DEMO } from '../examples/products/local-demo.js';",
      'local/ may import only local, handlers, core',
    ],
    ['handlers/x.ts', "import * as p from '../examples/products/handler.js';", 'handlers/ may import only'],
    [
      'core/x.ts',
      "import { RESOURCE_ROUTES } from '../examples/products/routes.js';",
      'core/ may import only',
    ],
    ['tools/x.ts', "import { a } from '../examples/products/stack.js';", 'tools/ may import only'],
    ['core/x.ts', "import { App } from 'aws-cdk-lib';", 'aws-cdk-lib belongs to infra'],
    ['handlers/x.ts', "import { it } from 'vitest';", 'vitest belongs to test/ only'],
  ])('flags %s importing against the layers', (file, source, rule) => {
    const [violation] = layeringViolations(file, source);
    expect(violation?.rule.startsWith(rule)).toBe(true);
  });

  it.each([
    ['load/local/x.ts', "import { median } from '../../measure/interleaved.js';"],
    ['bench/suites/x.ts', "import { PRODUCTS_DEMO } from '../../examples/products/local-demo.js';"],
    ['local/x.ts', "import { verify } from '../core/jwt/index.js';"],
    ['infra/lib/x.ts', "import * as cdk from 'aws-cdk-lib';"],
    ['core/x.ts', "import { LRUCache } from 'lru-cache';"],
  ])('accepts %s importing downwards', (file, source) => {
    expect(layeringViolations(file, source)).toEqual([]);
  });
});
