// Lambda entry of the products resource API (proxy integration behind the TOKEN authorizer).
import { createDeps, createHandler, loadConfig } from './handler.js';

export const handler = createHandler(createDeps(loadConfig(process.env)));
