// The API Gateway REST API emulator's public surface: startGateway and the pieces tests reuse.
export * from './errors.js';
export * from './http-integration.js';
export type { LambdaFunction } from './invoke.js';
export * from './jwt-authorizer.js';
export * from './proxy.js';
export * from './request-authorizer.js';
export * from './responses.js';
export * from './router.js';
export * from './server.js';
export * from './token-authorizer.js';
export * from './usage-plans.js';
