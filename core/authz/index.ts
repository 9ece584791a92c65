// Authorization: method ARNs, IAM wildcard matching, policy evaluation and the scope-to-route policy
// builder the TOKEN authorizer returns.
export * from './arn-match.js';
export * from './errors.js';
export * from './evaluate.js';
export * from './method-arn.js';
export * from './policy-builder.js';
export * from './route-table.js';
export * from './token-expiry.js';
