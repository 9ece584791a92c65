// The layers point one way (load -> bench -> local -> handlers -> core; infra -> core), and no product folder
// (core, client, handlers, local, infra, tools) imports the products sample in examples/: every relative
// import in product code is checked against the folders its own folder may use, and heavyweight packages
// stay in the folders that need them. A wrong-direction import fails `npm test` with the file and line.
// Within the layers the import graph has no circles (type-only imports count: a circle of types still ties
// the files together), and the gateway and KMS emulators stand on their own: outside their folder they use
// only core/ and a few shared local/ leaves, so either could be published apart.
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
      if (target !== folder && !allowed.includes(target)) {
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
const trackedFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('load/k6/'));
const productFiles = trackedFiles.filter((f) => MAY_IMPORT[f.split('/')[0]!] !== undefined);
/** Every source file the circle check reads: the layers and the examples (tests are not part of it). */
const sourceGraph = () =>
  importGraph(
    new Map(
      trackedFiles
        .filter((f) => MAY_IMPORT[f.split('/')[0]!] !== undefined || f.startsWith('examples/'))
        .map((f) => [f, readFileSync(path.join(root, f), 'utf8')]),
    ),
  );

/** The repo-relative file a relative `specifier` in `file` names, if it is one of `files` (`.js` -> `.ts`). */
function resolveImport(file: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const target = path.posix
    .normalize(path.posix.join(path.posix.dirname(file), specifier))
    .replace(/\.js$/, '.ts');
  if (files.has(target)) return target;
  const index = `${target}/index.ts`;
  return files.has(index) ? index : undefined;
}

/** Each file -> the files it imports (relative imports only; packages are not part of the graph). */
function importGraph(sources: ReadonlyMap<string, string>): Map<string, string[]> {
  const files = new Set(sources.keys());
  const graph = new Map<string, string[]>();
  for (const [file, source] of sources) {
    const targets = [...source.matchAll(IMPORT)]
      .map((m) => m[1]!)
      .filter((specifier) => specifier.startsWith('.'))
      .flatMap((specifier) => resolveImport(file, specifier, files) ?? []);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * The circles of `graph`: its strongly connected components with more than one file (or a file importing
 * itself), each sorted, found with Tarjan's algorithm (iterative, so a deep chain cannot overflow the stack).
 */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    // Each frame: a file and how many of its imports have been walked.
    const frames: [string, number][] = [[start, 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const [file, i] = frame;
      const targets = graph.get(file) ?? [];
      if (i < targets.length) {
        frame[1] = i + 1;
        const target = targets[i]!;
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          frames.push([target, 0]);
        } else if (onStack.has(target)) {
          low.set(file, Math.min(low.get(file)!, index.get(target)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(file)!));
      if (low.get(file) === index.get(file)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== file);
        if (component.length > 1 || targets.includes(file)) cycles.push(component.sort());
      }
    }
  }
  return cycles;
}

/**
 * The local/ files the emulators may import from outside their own folder: leaves that import no other
 * local/ file but each other (a request guard, listen/close, a bounded body read, BodyTooLargeError).
 */
const EMULATOR_SHARED_LEAVES = [
  'local/errors.ts',
  'local/host-safety.ts',
  'local/listen.ts',
  'local/ports.ts',
  'local/read-body.ts',
];
const EMULATORS = ['local/gateway/', 'local/kms/'];

/** Imports that tie an emulator to the rest of local/, or a shared leaf to a non-leaf. */
function emulatorViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    const emulator = EMULATORS.find((folder) => file.startsWith(folder));
    const leaf = EMULATOR_SHARED_LEAVES.includes(file);
    if (emulator === undefined && !leaf) continue;
    for (const target of targets) {
      if (!target.startsWith('local/')) continue;
      if (emulator !== undefined && target.startsWith(emulator)) continue;
      if (EMULATOR_SHARED_LEAVES.includes(target)) continue;
      out.push(`${file} -> ${target}`);
    }
  }
  return out;
}

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

describe('import circles', () => {
  it('has none anywhere in the source tree', () => {
    expect(importCycles(sourceGraph())).toEqual([]);
  });

  it('finds a circle through a type-only import, and only the files on it', () => {
    const sources = new Map([
      ['local/errors.ts', "import type { StackPortName } from './stack.js';"],
      ['local/stack.ts', "import { readBody } from './read-body.js';\nexport * from './lambdas.js';"],
      ['local/read-body.ts', "import { BodyTooLargeError } from './errors.js';"],
      ['local/lambdas.ts', "import { verify } from '../core/jwt/index.js';"],
      ['core/jwt/index.ts', "export { verify } from './verify.js';"],
    ]);
    expect(importCycles(importGraph(sources))).toEqual([
      ['local/errors.ts', 'local/read-body.ts', 'local/stack.ts'],
    ]);
  });

  it.each([
    ['a file importing itself', new Map([['a.ts', ['a.ts']]]), [['a.ts']]],
    [
      'two separate circles',
      new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', ['a.ts']],
        ['c.ts', ['d.ts']],
        ['d.ts', ['e.ts']],
        ['e.ts', ['c.ts']],
      ]),
      [
        ['a.ts', 'b.ts'],
        ['c.ts', 'd.ts', 'e.ts'],
      ],
    ],
    [
      'a diamond (no circle)',
      new Map([
        ['a.ts', ['b.ts', 'c.ts']],
        ['b.ts', ['d.ts']],
        ['c.ts', ['d.ts']],
        ['d.ts', []],
      ]),
      [],
    ],
  ])('finds %s', (_name, graph, expected) => {
    expect(importCycles(graph).sort((x, y) => x[0]!.localeCompare(y[0]!))).toEqual(expected);
  });

  it('walks a chain of 20,000 files without overflowing the stack', () => {
    const chain = new Map(
      Array.from({ length: 20_000 }, (_, i) => [`f${i}.ts`, i > 0 ? [`f${i - 1}.ts`] : []]),
    );
    expect(importCycles(chain)).toEqual([]);
    chain.set('f0.ts', ['f19999.ts']);
    expect(importCycles(chain)[0]).toHaveLength(20_000);
  });
});

describe('emulators that stand on their own', () => {
  it('local/gateway/ and local/kms/ import from the rest of local/ only the shared leaves', () => {
    expect(emulatorViolations(sourceGraph())).toEqual([]);
  });

  it.each([
    [
      'local/kms/emulator.ts',
      "import { LOCAL_REGION } from '../stack-options.js';",
      'local/kms/emulator.ts -> local/stack-options.ts',
    ],
    [
      'local/gateway/server.ts',
      "import { startKmsEmulator } from '../kms/index.js';",
      'local/gateway/server.ts -> local/kms/index.ts',
    ],
    [
      'local/read-body.ts',
      "import type { LocalStack } from './stack.js';",
      'local/read-body.ts -> local/stack.ts',
    ],
  ])('flags %s importing past the shared leaves', (file, source, violation) => {
    const sources = new Map([
      [file, source],
      ['local/stack-options.ts', ''],
      ['local/kms/index.ts', ''],
      ['local/stack.ts', ''],
    ]);
    expect(emulatorViolations(importGraph(sources))).toEqual([violation]);
  });
});
