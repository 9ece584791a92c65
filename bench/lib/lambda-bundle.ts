// esbuild the way the CDK stack's NodejsFunction bundles keygate's functions
// (infra/lib/constructs/keygate-function.ts: ESM, minified, source maps without sources, nothing external,
// the createRequire banner), so the cold-start suite's peers load the way keygate's cdk.out asset does.
import { statSync } from 'node:fs';
import { type BuildOptions, build, type Metafile } from 'esbuild';

/** esbuild target of the Lambda runtime the stack deploys (nodejs24.x -> node24). */
export const LAMBDA_TARGET = 'node24';

/** The options CDK's NodejsFunction passes for keygate's bundling settings. */
export const lambdaBundleOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: LAMBDA_TARGET,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  external: [],
  banner: {
    js: "import { createRequire as __keygateCreateRequire } from 'node:module'; const require = __keygateCreateRequire(import.meta.url);",
  },
  logLevel: 'silent',
};

export interface LambdaBundle {
  readonly outfile: string;
  /** Size of the JavaScript file Lambda loads (the source map is read only under --enable-source-maps). */
  readonly bytes: number;
  readonly metafile: Metafile;
}

export async function bundleLambda(entry: string, outfile: string): Promise<LambdaBundle> {
  const result = await build({ ...lambdaBundleOptions, entryPoints: [entry], outfile, metafile: true });
  return { outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}
