// Lambda entry for the discovery documents: builds the handler once per container from the environment.
import { createDeps, createHandler, loadConfig } from '../discovery.js';

export const handler = createHandler(createDeps(loadConfig(process.env)));
