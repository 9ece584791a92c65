// The esbuild options of every keygate function, shared by the prebuild (build-lambdas.ts) and the cold-start
// bench's byte table, so both describe the bundle that deploys. No infra import: the bench may use this file.
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { LAMBDA_NODE_MAJOR } from '../core/contract.js';
import { nodeBuiltins } from './node-builtins.js';

export const ENTRY_DIR = fileURLToPath(new URL('../handlers/entry/', import.meta.url));

/** The entry file of one function (`authorizer` -> handlers/entry/authorizer.ts). */
export const entryFile = (name: string): string => `${ENTRY_DIR}${name}.ts`;

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
