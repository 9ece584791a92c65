// Lambda entry of the signing-key rotation task (Step Functions invokes it; see handlers/rotation.ts).
import { createDeps, createHandler, loadConfig } from '../rotation.js';

export const handler = createHandler(createDeps(loadConfig(process.env)));
