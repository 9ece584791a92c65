// The public API reports (api/<entry>.api.md): API Extractor's view of each package entry point, checked in so
// that a change to what users can import shows in the diff. The entry points come from package.json `exports`
// alone; `npm run api` rewrites the reports, and the architecture test fails when they drift (docs/api.md).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CompilerState,
  ConsoleMessageId,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
  type IConfigFile,
} from '@microsoft/api-extractor';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Where the reports live, one per entry point. */
export const API_REPORT_DIR = path.join(ROOT, 'api');

interface PackageJson {
  readonly name: string;
  readonly exports: Record<string, string | Record<string, string>>;
}

/** One package entry point: its import specifier, report name, TypeScript source and built types. */
export interface ApiEntry {
  /** What users import: `keygate`, `keygate/cdk`. */
  readonly specifier: string;
  /** `keygate` for `.`, `keygate-cdk` for `./cdk`: the report is api/<name>.api.md. */
  readonly name: string;
  readonly source: string;
  /** The `types` path relative to `dist/`. */
  readonly types: string;
}

/** Every `exports` entry with types, in package.json order. */
export function apiEntries(pkg: PackageJson = readPackageJson()): ApiEntry[] {
  return Object.entries(pkg.exports).flatMap(([subpath, target]) => {
    if (typeof target === 'string' || target.types === undefined) return [];
    const source = target['keygate-source'];
    if (source === undefined) throw new Error(`package.json exports["${subpath}"] has no keygate-source`);
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    const name = specifier.replaceAll('/', '-');
    return [{ specifier, name, source, types: path.posix.relative('./dist', target.types) }];
  });
}

function readPackageJson(): PackageJson {
  return JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
}

/** One entry point's outcome. */
export interface ApiReportResult {
  readonly entry: ApiEntry;
  /** The checked-in report differs from the API (with `update`, it was rewritten). */
  readonly changed: boolean;
  /** Errors other than the drift itself: an undocumented export, malformed TSDoc, a compiler error. */
  readonly problems: readonly string[];
}

/**
 * Builds the entry points' declarations (tsc, into a temporary folder) and runs API Extractor on each.
 * With `update`, the reports under api/ are rewritten; without it they are only compared.
 */
export async function runApiReports(options: { readonly update: boolean }): Promise<ApiReportResult[]> {
  const entries = apiEntries();
  // Inside the project, so that the declarations resolve node_modules as the build's do, and not inside
  // node_modules, where API Extractor would take them for another package's. dist/ is not packed whole.
  const scratch = path.join(ROOT, 'dist', 'api-report');
  mkdirSync(scratch, { recursive: true });
  const work = mkdtempSync(path.join(scratch, 'run-'));
  try {
    const dts = path.join(work, 'dts');
    await emitDeclarations(entries, dts, work);
    const configs = entries.map((entry) => extractorConfig(entry, dts, work));
    // One TypeScript program for every entry point: they share most of their declarations.
    const compilerState = CompilerState.create(configs[0]!);
    return configs.map((config, i) => {
      const problems: string[] = [];
      const result = Extractor.invoke(config, {
        compilerState,
        localBuild: options.update,
        messageCallback: (message: ExtractorMessage) => {
          message.handled = true;
          // The drift is reported through `apiReportChanged`; every other warning or error is a problem.
          if (DRIFT_MESSAGES.has(message.messageId)) return;
          if (message.logLevel === 'error' || message.logLevel === 'warning') {
            problems.push(formatMessage(message, dts));
          }
        },
      });
      return { entry: entries[i]!, changed: result.apiReportChanged, problems };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** API Extractor's own words for a report that differs (copied with --local, not copied without). */
const DRIFT_MESSAGES = new Set<string>([
  ConsoleMessageId.ApiReportCopied,
  ConsoleMessageId.ApiReportCreated,
  ConsoleMessageId.ApiReportDiff,
  ConsoleMessageId.ApiReportNotCopied,
]);

/** `core/jwt/errors.ts: (ae-undocumented) Missing documentation for "VerifyError".` (the source, not the .d.ts). */
function formatMessage(message: ExtractorMessage, dts: string): string {
  const file = message.sourceFilePath;
  const where = file ? `${path.relative(dts, file).replace(/\.d\.ts$/, '.ts')}: ` : '';
  return `${where}(${message.messageId}) ${message.text}`;
}

/** The build's compiler options (tsconfig.build.json), declarations only, for exactly the entry sources. */
async function emitDeclarations(entries: readonly ApiEntry[], outDir: string, work: string): Promise<void> {
  const tsconfig = path.join(work, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.build.json'),
      compilerOptions: {
        rootDir: ROOT,
        outDir,
        emitDeclarationOnly: true,
        sourceMap: false,
        declarationMap: false,
      },
      files: entries.map((e) => path.join(ROOT, e.source)),
    }),
  );
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  await promisify(execFile)(tsc, ['-p', tsconfig]).catch((err: { stdout?: string }) => {
    throw new Error(`tsc failed to emit the declarations:\n${err.stdout ?? String(err)}`);
  });
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

function extractorConfig(entry: ApiEntry, dts: string, work: string): ExtractorConfig {
  const configObject: IConfigFile = {
    projectFolder: ROOT,
    mainEntryPointFilePath: path.join(dts, entry.types),
    compiler: {
      // API Extractor analyzes the .d.ts with its own TypeScript; only the resolution settings matter here.
      overrideTsconfig: {
        compilerOptions: {
          target: 'es2023',
          // dom: the web-platform globals public signatures name (URL, fetch's Request and Response, CryptoKey),
          // which Node declares too; one lib file, not @types/node's hundreds.
          lib: ['es2023', 'dom'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: [],
          // Only keygate's own declarations: other packages' types (aws-cdk-lib's run to thousands of files)
          // are not loaded, and their names are printed as imports. skipLibCheck: nothing is type-checked.
          noResolve: true,
          skipLibCheck: true,
        },
        files: declarationFiles(dts),
      },
      skipLibCheck: true,
    },
    apiReport: {
      enabled: true,
      reportFileName: `${entry.name}.api.md`,
      reportFolder: API_REPORT_DIR,
      reportTempFolder: work,
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    newlineKind: 'lf',
    messages: {
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Error },
        // Every export and member says what it is (docs/api.md); a new undocumented one fails the check.
        'ae-undocumented': { logLevel: ExtractorLogLevel.Error },
        // A type the API names but the entry does not export (a construct's props that users never build) is
        // written into the report, as API Extractor does by default, so that the diff shows it.
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
        // Release tags (@public, @beta) trim .d.ts rollups, which keygate does not ship: everything exported is public.
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
      },
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
    },
  };
  return ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: undefined,
    packageJsonFullPath: path.join(ROOT, 'package.json'),
  });
}

async function main(): Promise<void> {
  const update = process.argv.includes('--local');
  const started = performance.now();
  const results = await runApiReports({ update });
  let failed = false;
  for (const { entry, changed, problems } of results) {
    for (const problem of problems) console.error(`${entry.name}: ${problem}`);
    if (problems.length > 0) failed = true;
    if (changed && update) console.log(`api/${entry.name}.api.md updated`);
    if (changed && !update) {
      console.error(
        `api/${entry.name}.api.md differs from the public API of ${entry.specifier}: run npm run api`,
      );
      failed = true;
    }
  }
  if (process.argv.includes('--time')) console.log(`${Math.round(performance.now() - started)} ms`);
  if (failed) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
