// Lambda entry of the token endpoint's client authenticator (REQUEST authorizer on POST /oauth2/token):
// builds the handler once per container from the environment.
import { createDeps, createHandler, loadConfig } from '../token-client-auth.js';

export const handler = createHandler(createDeps(loadConfig(process.env)));
