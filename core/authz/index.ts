// Authorization: method ARNs and the scope-to-route policy builder the TOKEN authorizer returns.
export * from './errors.js';
export * from './method-arn.js';
export * from './policy-builder.js';
export type * from './policy-document.js';
export * from './route-table.js';
export * from './token-expiry.js';
