// The KMS emulator for local runs and tests (docs/design.md#kms-protocol).

export { type KmsEmulator, type KmsEmulatorOptions, type KmsFaults, startKmsEmulator } from './emulator.js';
export { KmsError, type KmsErrorType } from './errors.js';
export * from './quota.js';
export { RSA_SIGNING_ALGORITHMS, type RsaSigningAlgorithm } from './rsa.js';
export { RSA_KEY_SPECS, type RsaKeySpec } from './store.js';
