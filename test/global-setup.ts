// Builds the prebuilt Lambda bundles (dist/lambda) once per test run: the CDK constructs deploy them and
// the infra tests invoke them, so every run tests the code the current sources produce.
import { buildLambdas } from '../tools/build-lambdas.js';

export default async function setup(): Promise<void> {
  await buildLambdas();
}
