// The package's public API is chosen and recorded: api/<entry>.api.md matches what each package.json entry
// point exports (API Extractor, tools/api-report.ts), and every export is documented. A change to the public
// API fails here until `npm run api` rewrites the report, so the change shows in the diff (docs/api.md).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_REPORT_DIR, type ApiReportResult, apiEntries, runApiReports } from '../../tools/api-report.js';

describe('the public API reports', () => {
  let results: ApiReportResult[] = [];
  beforeAll(async () => {
    results = await runApiReports({ update: false });
  }, 120_000);

  it('cover every package.json entry point, each with its report checked in', () => {
    expect(apiEntries().map((e) => e.specifier)).toEqual(
      expect.arrayContaining(['keygate', 'keygate/authorizer', 'keygate/cdk']),
    );
    expect(results.map((r) => r.entry.specifier)).toEqual(apiEntries().map((e) => e.specifier));
    const missing = apiEntries().filter((e) => !existsSync(path.join(API_REPORT_DIR, `${e.name}.api.md`)));
    expect(missing.map((e) => `api/${e.name}.api.md is missing: run npm run api`)).toEqual([]);
  });

  it('match the API each entry point exports (else: run npm run api)', () => {
    const drifted = results.filter((r) => r.changed).map((r) => r.entry);
    expect(
      drifted.map(
        (e) => `api/${e.name}.api.md differs from the public API of ${e.specifier}: run npm run api`,
      ),
    ).toEqual([]);
  });

  it('find every export documented and every TSDoc comment well formed', () => {
    expect(results.flatMap((r) => r.problems.map((p) => `${r.entry.specifier}: ${p}`))).toEqual([]);
  });
});

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** `file: specifier` for each relative import in `sources` (file -> text) that names an entry point's source. */
function entryImports(
  sources: Readonly<Record<string, string>>,
  entrySources: ReadonlySet<string>,
): string[] {
  return Object.entries(sources).flatMap(([file, text]) =>
    [...text.matchAll(RELATIVE_IMPORT)]
      .map((m) => m[1]!)
      .filter((spec) => entrySources.has(path.join(path.dirname(file), spec).replace(/\.js$/, '.ts')))
      .map((spec) => `${file}: ${spec}`),
  );
}

describe("the entry points are the users' surface", () => {
  it("keygate's own code imports what it needs by file, never through an entry point", () => {
    const sources = new Set(apiEntries().map((e) => path.normalize(e.source)));
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f !== '' && !f.startsWith('test/') && !f.startsWith('examples/'));
    expect(files).toContain('handlers/authorizer/deps.ts');
    const texts = Object.fromEntries(files.map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')]));
    expect(entryImports(texts, sources)).toEqual([]);
  });

  it.each([
    ["import { VerifyError } from '../core/jwt/index.js';", ['handlers/x.ts: ../core/jwt/index.js']],
    ["import type { Verifier } from '../../core/jwt/index.js';", []],
    ["import { VerifyError } from '../core/jwt/errors.js';", []],
    ["const m = await import('../infra/lib/index.js');", ['handlers/x.ts: ../infra/lib/index.js']],
  ])('reads %s in handlers/x.ts as %j', (source, found) => {
    const entries = new Set(['core/jwt/index.ts', 'infra/lib/index.ts']);
    expect(entryImports({ 'handlers/x.ts': source }, entries)).toEqual(found);
  });
});

describe('apiEntries', () => {
  it('names each report after the import specifier and finds the built types under dist/', () => {
    const entries = apiEntries({
      name: 'keygate',
      exports: {
        '.': { 'keygate-source': './core/jwt/index.ts', types: './dist/core/jwt/index.d.ts' },
        './client': { 'keygate-source': './client/index.ts', types: './dist/client/index.d.ts' },
        './package.json': './package.json',
      },
    });
    expect(entries).toEqual([
      { specifier: 'keygate', name: 'keygate', source: './core/jwt/index.ts', types: 'core/jwt/index.d.ts' },
      {
        specifier: 'keygate/client',
        name: 'keygate-client',
        source: './client/index.ts',
        types: 'client/index.d.ts',
      },
    ]);
  });

  it('refuses an entry point without its keygate-source (the source the report is built from)', () => {
    expect(() =>
      apiEntries({ name: 'keygate', exports: { './x': { types: './dist/x.d.ts', default: './dist/x.js' } } }),
    ).toThrow('package.json exports["./x"] has no keygate-source');
  });
});
