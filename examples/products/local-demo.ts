// The products sample as a local-stack demo (local/demo.ts): its route table and its Lambda handler, which
// `npm start` in a clone (examples/products/start.ts) and the tests (test/support/products-stack.ts) pass to
// startLocalStack. The package's local stack never imports it.
import type { LocalDemo } from '../../local/demo.js';
import * as products from './handler.js';
import { RESOURCE_ROUTES } from './routes.js';

export const PRODUCTS_DEMO: LocalDemo = {
  routes: RESOURCE_ROUTES,
  handlers: {
    products: ({ env, logs, now }) =>
      products.createHandler(
        products.createDeps(products.loadConfig(env), {
          ...(logs ? {} : { logger: null }),
          ...(now ? { now } : {}),
        }),
      ),
  },
};
