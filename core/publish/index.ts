// Publishing the documents the authorizer fetches at cold start, for the auth API to serve without a Lambda.
export * from './documents.js';
export * from './errors.js';
export * from './object-store.js';
export * from './publisher.js';
export * from './served-documents.js';
