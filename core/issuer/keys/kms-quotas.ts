// AWS KMS's default request quota for RSA cryptographic operations, the one fact every part of keygate that
// plans around issuance reads: the KMS emulator enforces it, the issuance limits and the auth API's throttle
// stay under it, the load runner and the mint bench pace themselves inside it.
// Source: AWS KMS Developer Guide, "Request quotas", table "Request quotas for each AWS KMS API operation",
// row "Cryptographic operations (RSA) request rate" (Decrypt, Encrypt, ReEncrypt, Sign, Verify): 1,000
// (shared) for RSA KMS keys per account and Region; GetPublicKey has its own quota (2,000/s).
// https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html (read 2026-12-06; older
// versions of the page said 500). Adjustable in Service Quotas (quota code L-2AC98190).

/** Default RSA Sign/Verify/Encrypt/Decrypt requests per second per account and Region. */
export const KMS_RSA_REQUEST_QUOTA_PER_SECOND = 1000;
