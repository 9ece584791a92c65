// RSA signing for the KMS emulator: the six KMS RSA signing algorithms, over a RAW message or a
// precomputed DIGEST (KMS does not hash a DIGEST again, docs/design.md#kms-signing), so signatures match real KMS byte for byte
// (PKCS#1 v1.5 is deterministic; PSS uses a random salt of the digest length, as KMS does).
import {
  constants,
  createHash,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

export const RSA_SIGNING_ALGORITHMS = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
] as const;
export type RsaSigningAlgorithm = (typeof RSA_SIGNING_ALGORITHMS)[number];

type Hash = 'sha256' | 'sha384' | 'sha512';

interface AlgorithmInfo {
  readonly hash: Hash;
  readonly digestBytes: number;
  readonly pss: boolean;
}

export function algorithmInfo(algorithm: RsaSigningAlgorithm): AlgorithmInfo {
  const bits = algorithm.slice(-3);
  const hash: Hash = bits === '256' ? 'sha256' : bits === '384' ? 'sha384' : 'sha512';
  return { hash, digestBytes: Number(bits) / 8, pss: algorithm.startsWith('RSASSA_PSS') };
}

// RFC 8017 §9.2 note 1: the DER DigestInfo prefixes for EMSA-PKCS1-v1_5.
const DIGEST_INFO: Readonly<Record<Hash, Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

function modulusBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) throw new TypeError('not an RSA key');
  return bits;
}

/** RFC 8017 B.2.1 MGF1. */
function mgf1(seed: Buffer, length: number, hash: Hash): Buffer {
  const chunks: Buffer[] = [];
  let produced = 0;
  for (let counter = 0; produced < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash(hash).update(seed).update(c).digest();
    chunks.push(block);
    produced += block.length;
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/** RFC 8017 §9.1.1 EMSA-PSS-ENCODE from a message hash, salt length = hash length (KMS's choice). */
function pssEncode(mHash: Buffer, emBits: number, hash: Hash): Buffer {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(hLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - 2 * hLen - 2] = 0x01;
  salt.copy(db, emLen - 2 * hLen - 1);
  const mask = mgf1(h, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i] = db[i]! ^ mask[i]!;
  db[0] = db[0]! & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** RFC 8017 §9.1.2 EMSA-PSS-VERIFY, salt length = hash length. */
function pssVerify(mHash: Buffer, em: Buffer, emBits: number, hash: Hash): boolean {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < 2 * hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((em[0]! & ~topMask) !== 0) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const mask = mgf1(h, maskedDb.length, hash);
  const db = Buffer.alloc(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = maskedDb[i]! ^ mask[i]!;
  db[0] = db[0]! & topMask;
  const psEnd = emLen - 2 * hLen - 2;
  for (let i = 0; i < psEnd; i++) if (db[i] !== 0) return false;
  if (db[psEnd] !== 0x01) return false;
  const salt = db.subarray(db.length - hLen);
  const expected = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return timingSafeEqual(expected, h);
}

/** Raw RSA private operation on an encoded message, left-padded to the modulus length. */
function rawPrivate(key: KeyObject, em: Buffer): Buffer {
  const k = Math.ceil(modulusBits(key) / 8);
  const input = em.length === k ? em : Buffer.concat([Buffer.alloc(k - em.length), em]);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, input);
}

export function signRsa(
  privateKey: KeyObject,
  algorithm: RsaSigningAlgorithm,
  message: Buffer,
  messageType: 'RAW' | 'DIGEST',
): Buffer {
  const { hash, pss } = algorithmInfo(algorithm);
  if (messageType === 'RAW') {
    return pss
      ? cryptoSign(hash, message, {
          key: privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        })
      : cryptoSign(hash, message, privateKey);
  }
  if (pss) return rawPrivate(privateKey, pssEncode(message, modulusBits(privateKey) - 1, hash));
  return privateEncrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
    Buffer.concat([DIGEST_INFO[hash], message]),
  );
}

export function verifyRsa(
  publicKey: KeyObject,
  algorithm: RsaSigningAlgorithm,
  message: Buffer,
  messageType: 'RAW' | 'DIGEST',
  signature: Buffer,
): boolean {
  const { hash, pss } = algorithmInfo(algorithm);
  const bits = modulusBits(publicKey);
  if (signature.length !== Math.ceil(bits / 8)) return false;
  try {
    if (messageType === 'RAW') {
      return pss
        ? cryptoVerify(
            hash,
            message,
            {
              key: publicKey,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
            },
            signature,
          )
        : cryptoVerify(hash, message, publicKey, signature);
    }
    if (pss) {
      const decrypted = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
      const emLen = Math.ceil((bits - 1) / 8);
      if (decrypted.length > emLen && decrypted.subarray(0, decrypted.length - emLen).some((b) => b !== 0))
        return false;
      return pssVerify(message, decrypted.subarray(decrypted.length - emLen), bits - 1, hash);
    }
    const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
    const expected = Buffer.concat([DIGEST_INFO[hash], message]);
    return recovered.length === expected.length && timingSafeEqual(recovered, expected);
  } catch {
    // A signature out of range or with broken padding is simply invalid.
    return false;
  }
}
