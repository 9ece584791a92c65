// `npm start` in a clone: local/start.ts's local stack serving the products sample (its Lambda, routes and
// banner) instead of the package's built-in echo demo. Same flags as `keygate start`.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type StartDemo } from '../../local/start.js';
import { productsBanner } from './banner.js';
import { PRODUCTS_DEMO } from './local-demo.js';

export const PRODUCTS_START: StartDemo = { demo: PRODUCTS_DEMO, banner: productsBanner };

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main(process.argv, { demo: PRODUCTS_START }).then((code) => process.exit(code));
}
