// Lambda entry for GET /revocations: builds the handler once per container from the environment.
import { createDeps, createHandler, loadConfig } from '../revocations.js';

export const handler = createHandler(createDeps(loadConfig(process.env)));
