// Where the prebuilt Lambda bundles live (dist/lambda/<name>/index.mjs, made by `npm run build`) and the
// runtime they target. The same path works from the TypeScript sources (repo) and from the compiled package.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LAMBDA_NODE_MAJOR } from '../../../core/contract.js';

/** The Lambda runtime of every keygate function; the bundles' esbuild target is the same major. */
export const RUNTIME: lambda.Runtime = (() => {
  const name = `nodejs${LAMBDA_NODE_MAJOR}.x`;
  const known = lambda.Runtime.ALL.find((r) => r.name === name);
  if (!known) throw new Error(`aws-cdk-lib does not know the Lambda runtime ${name}`);
  return known;
})();

// From infra/lib/constructs/*.ts the bundles are in <repo>/dist/lambda; from the package's
// dist/infra/lib/constructs/*.js they are in dist/lambda. Both are three levels up, then (source) dist/.
const fromSource = import.meta.url.endsWith('.ts');
/** Absolute directory holding one folder per prebuilt function. */
export const LAMBDA_CODE_DIR = fileURLToPath(
  new URL(fromSource ? '../../../dist/lambda' : '../../../lambda', import.meta.url),
);

/** The directory of one prebuilt function (index.mjs exporting `handler`); throws if it was not built. */
export function prebuiltLambdaDir(name: string): string {
  const dir = `${LAMBDA_CODE_DIR}/${name}`;
  if (!existsSync(`${dir}/index.mjs`)) {
    throw new Error(`prebuilt Lambda code for "${name}" is missing at ${dir}: run \`npm run build\``);
  }
  return dir;
}

/** The prebuilt code of one keygate function. */
export function prebuiltCode(name: string): lambda.Code {
  return lambda.Code.fromAsset(prebuiltLambdaDir(name));
}

/** SHA-256 of one prebuilt function's bundle: changes whenever its code does (a deploy-time trigger). */
export function prebuiltCodeHash(name: string): string {
  return createHash('sha256')
    .update(readFileSync(`${prebuiltLambdaDir(name)}/index.mjs`))
    .digest('hex');
}
