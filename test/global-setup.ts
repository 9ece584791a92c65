// Builds the prebuilt Lambda bundles (dist/lambda, and the sample's dist/examples/products/lambda) once per test run: the CDK constructs deploy them and
// the infra tests invoke them, so every run tests the code the current sources produce.
import { buildProductsLambda } from '../examples/products/build-lambda.js';
import { buildLambdas } from '../tools/build-lambdas.js';

export default async function setup(): Promise<void> {
  await Promise.all([buildLambdas(), buildProductsLambda()]);
}
