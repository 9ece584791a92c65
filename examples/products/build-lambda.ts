// Prebuilds the products sample's Lambda (examples/products/entry.ts) into dist/examples/products/lambda,
// outside the package's dist/lambda and `files`, with the esbuild options of keygate's own functions.
// `npm run synth`/`deploy` and the test setup run it; `npm run build` (the package) does not.
import { fileURLToPath } from 'node:url';
import { isMainModule } from '../../handlers/cli/main.js';
import { buildBundle } from '../../tools/build-lambdas.js';

export const PRODUCTS_LAMBDA_DIR = fileURLToPath(
  new URL('../../dist/examples/products/lambda', import.meta.url),
);

export async function buildProductsLambda(): Promise<void> {
  await buildBundle('products', fileURLToPath(new URL('./entry.ts', import.meta.url)), PRODUCTS_LAMBDA_DIR);
}

if (isMainModule(import.meta.url)) {
  await buildProductsLambda();
  console.log(`prebuilt the products sample's Lambda into ${PRODUCTS_LAMBDA_DIR}`);
}
