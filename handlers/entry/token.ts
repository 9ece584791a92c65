// Lambda entry for POST /oauth2/token: builds the handler once per container from the environment.
import { createDeps, createHandler, loadConfig } from '../token.js';

export const handler = createHandler(createDeps(loadConfig(process.env)));
