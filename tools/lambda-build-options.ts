// The esbuild options of every keygate function, shared by the prebuild (build-lambdas.ts) and the cold-start
// bench's byte table, so both describe the bundle that deploys. No infra import: the bench may use this file.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { LAMBDA_NODE_MAJOR } from '../core/contract.js';
import { nodeBuiltins } from './node-builtins.js';

const ENTRY_DIR = fileURLToPath(new URL('../handlers/entry/', import.meta.url));

/** Functions whose code has a folder of its own, with the entry beside it. */
const FOLDER_ENTRIES: Readonly<Record<string, string>> = {
  authorizer: fileURLToPath(new URL('../handlers/authorizer/entry.ts', import.meta.url)),
};

/** Every function: the handlers/entry/*.ts files and the folder entries. */
export const ENTRY_NAMES: readonly string[] = [
  ...readdirSync(ENTRY_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3)),
  ...Object.keys(FOLDER_ENTRIES),
].sort();

/** The entry file of one function (`token` -> handlers/entry/token.ts, `authorizer` -> handlers/authorizer/entry.ts). */
export const entryFile = (name: string): string => FOLDER_ENTRIES[name] ?? `${ENTRY_DIR}${name}.ts`;

export const lambdaBuildOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: `node${LAMBDA_NODE_MAJOR}`,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Node built-ins through process.getBuiltinModule: no ESM import of them, no createRequire banner.
  plugins: [nodeBuiltins],
  // Nothing external, the AWS SDK included: the token and JWKS functions ship the exact
  // @aws-sdk/client-kms / client-dynamodb versions the tests ran against (the runtime's copy changes under
  // us), and a tree-shaken, minified single file loads faster at cold start than the runtime's full SDK
  // (AWS Lambda guidance on bundling Node.js functions). The authorizer imports no AWS SDK; with nothing
  // external an accidental import would land in its bundle, where the bundle-size test sees it.
  external: [],
  logLevel: 'warning',
};
