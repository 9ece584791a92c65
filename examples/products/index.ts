// The resource API's domain: a small in-memory product catalog with validated writes.
export * from './catalog.js';
export * from './errors.js';
export * from './validate.js';
