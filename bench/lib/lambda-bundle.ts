// Bundles for the cold-start suite: the peers as a CDK NodejsFunction bundles an ESM function (minified,
// source maps without sources, nothing external, the documented createRequire banner), and keygate's
// entries with the options of its own prebuilt functions (tools/build-lambdas.ts), for the byte table.
import { statSync } from 'node:fs';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { entryFile, lambdaBuildOptions } from '../../tools/lambda-build-options.js';

/**
 * What a NodejsFunction with `format: ESM` and `minify` passes to esbuild: keygate's settings (same target,
 * source maps, nothing external) without its built-in plugin, with the createRequire banner the ESM recipe
 * documents for bundled CommonJS code.
 */
export const lambdaBundleOptions: BuildOptions = {
  ...lambdaBuildOptions,
  plugins: [],
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

/** A peer's entry, bundled as its users would deploy it. */
export async function bundleLambda(entry: string, outfile: string): Promise<LambdaBundle> {
  const result = await build({ ...lambdaBundleOptions, entryPoints: [entry], outfile, metafile: true });
  return { outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}

/** One of keygate's functions (`authorizer`, ...), built as `npm run build` builds it. */
export async function bundleKeygateLambda(name: string, outfile: string): Promise<LambdaBundle> {
  const result = await build({
    ...lambdaBuildOptions,
    entryPoints: [entryFile(name)],
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  return { outfile, bytes: statSync(outfile).size, metafile: result.metafile };
}
