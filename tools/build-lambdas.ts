// Prebuilds every Lambda entry (handlers/entry/*.ts, handlers/authorizer/entry.ts) into dist/lambda/<name>/index.mjs, the code the CDK
// constructs deploy with Code.fromAsset: a consumer's `cdk synth` then needs neither esbuild nor Docker, and
// what deploys is exactly what was tested. `npm run build` runs it after tsc.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { LAMBDA_CODE_DIR } from '../infra/lib/constructs/lambda-code.js';
import { ENTRY_NAMES, entryFile, lambdaBuildOptions } from './lambda-build-options.js';

/** Bundles `entry` into `outdir`/index.mjs with keygate's Lambda options (the products sample uses it too). */
export async function buildBundle(label: string, entry: string, outdir: string): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  await build({ ...lambdaBuildOptions, entryPoints: [entry], outfile: `${outdir}/index.mjs` });
  // esbuild adds this shim when some code calls require() with something it could not bundle; without a
  // createRequire banner it would throw on first use in Lambda.
  if (readFileSync(`${outdir}/index.mjs`, 'utf8').includes('Dynamic require of')) {
    throw new Error(`${label}: a bundled dependency calls require() for a module esbuild could not bundle`);
  }
  return outdir;
}

/** Bundles one entry; returns the output directory. */
export function buildLambda(name: string, outRoot = LAMBDA_CODE_DIR): Promise<string> {
  return buildBundle(name, entryFile(name), `${outRoot}/${name}`);
}

export { ENTRY_NAMES };

export async function buildLambdas(outRoot = LAMBDA_CODE_DIR): Promise<void> {
  // A bundle whose entry is gone must not ship: the package carries every folder under dist/lambda.
  rmSync(outRoot, { recursive: true, force: true });
  await Promise.all(ENTRY_NAMES.map((name) => buildLambda(name, outRoot)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  await buildLambdas();
  console.log(
    `prebuilt ${ENTRY_NAMES.join(', ')} into ${LAMBDA_CODE_DIR} in ${(performance.now() - started).toFixed(0)} ms`,
  );
}
