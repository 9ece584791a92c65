// Prebuilds the products sample's Lambda (examples/products/entry.ts) into dist/examples/products/lambda,
// outside the package's dist/lambda and `files`, with the esbuild options of keygate's own functions.
// `npm run synth`/`deploy` and the test setup run it; `npm run build` (the package) does not.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lambdaBuildOptions } from '../../tools/lambda-build-options.js';

export const PRODUCTS_LAMBDA_DIR = fileURLToPath(
  new URL('../../dist/examples/products/lambda', import.meta.url),
);

export async function buildProductsLambda(): Promise<void> {
  rmSync(PRODUCTS_LAMBDA_DIR, { recursive: true, force: true });
  await build({
    ...lambdaBuildOptions,
    entryPoints: [fileURLToPath(new URL('./entry.ts', import.meta.url))],
    outfile: `${PRODUCTS_LAMBDA_DIR}/index.mjs`,
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildProductsLambda();
  console.log(`prebuilt the products sample's Lambda into ${PRODUCTS_LAMBDA_DIR}`);
}
