// Token revocation: the document the auth API serves and the authorizer's refreshed copy of it.
export * from './document.js';
export * from './errors.js';
export * from './first-download.js';
export * from './keyed-document.js';
export * from './revocation-list.js';
