// The local stack as the tests, load and bench use it: local/stack.ts with the products sample as its demo
// (examples/products/local-demo.ts) unless an upstream is given, since the product's stack ships no sample.
// Re-exports the rest of local/stack.ts so a test swaps one import path.
import { PRODUCTS_DEMO } from '../../examples/products/local-demo.js';
import { type LocalStack, type LocalStackOptions, startLocalStack as startStack } from '../../local/stack.js';

export * from '../../local/stack.js';

/** startLocalStack serving the products sample's /products API (the caller's `demo` wins). */
export function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startStack({ demo: PRODUCTS_DEMO, ...options });
}
