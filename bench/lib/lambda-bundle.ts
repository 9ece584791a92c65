// esbuild the way CDK's NodejsFunction does by default (ESM, minified, platform node, @aws-sdk external
// because the Lambda runtime provides it), so the cold-start suite measures the code Lambda would load.
import { statSync } from 'node:fs';
import { type BuildOptions, build } from 'esbuild';

/** esbuild target for the Lambda runtime (aws-cdk-lib derives it from the runtime, e.g. nodejs22.x -> node22). */
export const LAMBDA_TARGET = 'node22';

/**
 * The options CDK's NodejsFunction passes for `{ format: ESM, minify: true, sourceMap: true }`: the
 * createRequire banner is the one CDK documents for ESM bundles with CommonJS dependencies.
 */
export const lambdaBundleOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: LAMBDA_TARGET,
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  external: ['@aws-sdk/*'],
  banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
  logLevel: 'silent',
};

export interface LambdaBundle {
  readonly outfile: string;
  /** Size of the JavaScript file Lambda loads (the source map is not loaded at run time). */
  readonly bytes: number;
}

export async function bundleLambda(entry: string, outfile: string): Promise<LambdaBundle> {
  await build({ ...lambdaBundleOptions, entryPoints: [entry], outfile });
  return { outfile, bytes: statSync(outfile).size };
}
