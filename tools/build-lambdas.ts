// Prebuilds every Lambda entry (handlers/entry/*.ts) into dist/lambda/<name>/index.mjs, the code the CDK
// constructs deploy with Code.fromAsset: a consumer's `cdk synth` then needs neither esbuild nor Docker, and
// what deploys is exactly what was tested. `npm run build` runs it after tsc.
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ESBUILD_TARGET, LAMBDA_CODE_DIR } from '../infra/lib/constructs/lambda-code.js';
import { builtinsViaRequire } from './builtins-via-require.js';

const ENTRY_DIR = fileURLToPath(new URL('../handlers/entry/', import.meta.url));

// Bundled CommonJS dependencies (the AWS SDK's, some Powertools internals) call `require` for Node built-ins;
// in an ESM bundle esbuild's `__require` shim throws unless a real `require` exists at module scope.
const ESM_REQUIRE_SHIM =
  "import { createRequire as __keygateCreateRequire } from 'node:module'; const require = __keygateCreateRequire(import.meta.url);";

/** Bundles one entry; returns the output directory. */
export async function buildLambda(name: string, outRoot = LAMBDA_CODE_DIR): Promise<string> {
  const outdir = `${outRoot}/${name}`;
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [`${ENTRY_DIR}${name}.ts`],
    outfile: `${outdir}/index.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ESBUILD_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_SHIM },
    plugins: [builtinsViaRequire],
    // Nothing external, the AWS SDK included: the token and JWKS functions ship the exact
    // @aws-sdk/client-kms / client-dynamodb versions the tests ran against (the runtime's copy changes under
    // us), and a tree-shaken, minified single file loads faster at cold start than the runtime's full SDK
    // (AWS Lambda guidance on bundling Node.js functions). The authorizer imports no AWS SDK; with nothing
    // external an accidental import would land in its bundle, where the bundle-size test sees it.
    external: [],
    logLevel: 'warning',
  });
  return outdir;
}

export const ENTRY_NAMES = readdirSync(ENTRY_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

export async function buildLambdas(outRoot = LAMBDA_CODE_DIR): Promise<void> {
  await Promise.all(ENTRY_NAMES.map((name) => buildLambda(name, outRoot)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  await buildLambdas();
  console.log(
    `prebuilt ${ENTRY_NAMES.join(', ')} into ${LAMBDA_CODE_DIR} in ${(performance.now() - started).toFixed(0)} ms`,
  );
}
