// The KMS emulator's keys and aliases: RSA key pairs with KMS metadata, addressed by key id, key ARN,
// alias name or alias ARN, optionally persisted to `<stateDir>/kms-state.json` (written atomically, 0600).
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KmsError } from './errors.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export const RSA_KEY_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const;
export type RsaKeySpec = (typeof RSA_KEY_SPECS)[number];
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export interface KeyRecord {
  readonly keyId: string;
  readonly keySpec: RsaKeySpec;
  readonly description: string;
  /** Epoch seconds, as KMS reports timestamps. */
  readonly creationDate: number;
  state: KeyState;
  deletionDate?: number;
  pendingWindowInDays?: number;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyDer: Buffer;
  /** The key policy document as given to CreateKey or PutKeyPolicy (or KMS's default one); stored, not evaluated. */
  policy: string;
  /** Tag key -> value (TagResource, CreateKey's Tags). */
  readonly tags: Map<string, string>;
}

export interface AliasRecord {
  readonly name: string;
  targetKeyId: string;
  readonly creationDate: number;
  lastUpdatedDate: number;
}

interface PersistedState {
  readonly version: 1;
  readonly keys: readonly {
    keyId: string;
    keySpec: RsaKeySpec;
    description: string;
    creationDate: number;
    state: KeyState;
    deletionDate?: number;
    pendingWindowInDays?: number;
    privateKeyPem: string;
    /** Absent in files written before policies and tags were kept. */
    policy?: string;
    tags?: Record<string, string>;
  }[];
  readonly aliases: readonly AliasRecord[];
}

const STATE_FILE = 'kms-state.json';
const nowSeconds = () => Math.floor(Date.now() / 1000);

export class KeyStore {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly aliases = new Map<string, AliasRecord>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    private readonly stateDir?: string,
  ) {
    if (stateDir) this.load(stateDir);
  }

  keyArn(keyId: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:key/${keyId}`;
  }

  aliasArn(name: string): string {
    return `arn:aws:kms:${this.region}:${this.accountId}:${name}`;
  }

  /**
   * KMS's default key policy for a key created through the API without one: the account may grant access
   * through IAM (AWS KMS Developer Guide, "Default key policy").
   */
  defaultPolicy(): string {
    return JSON.stringify({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${this.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  }

  async createKey(
    keySpec: RsaKeySpec,
    description: string,
    extra: { readonly policy?: string; readonly tags?: ReadonlyMap<string, string> } = {},
  ): Promise<KeyRecord> {
    const modulusLength = Number(keySpec.slice(4));
    const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength });
    const record = this.makeRecord({
      keyId: randomUUID(),
      keySpec,
      description,
      creationDate: nowSeconds(),
      state: 'Enabled',
      privateKey,
      publicKey,
      policy: extra.policy ?? this.defaultPolicy(),
      tags: new Map(extra.tags),
    });
    this.keys.set(record.keyId, record);
    this.persist();
    return record;
  }

  /** Resolves a KeyId parameter: key id, key ARN, `alias/name` or alias ARN. */
  resolve(keyIdParam: string, opts: { allowAlias?: boolean } = {}): KeyRecord {
    const allowAlias = opts.allowAlias ?? true;
    const arn = /^arn:aws:kms:([^:]*):([^:]*):(key\/.+|alias\/.+)$/.exec(keyIdParam);
    let ref = keyIdParam;
    if (arn) {
      if (arn[1] !== this.region || arn[2] !== this.accountId) {
        throw new KmsError('NotFoundException', `Invalid arn ${keyIdParam}`);
      }
      ref = arn[3]!;
      if (ref.startsWith('key/')) ref = ref.slice(4);
    }
    if (ref.startsWith('alias/')) {
      if (!allowAlias) throw new KmsError('ValidationException', 'TargetKeyId cannot be an alias');
      const alias = this.aliases.get(ref);
      if (!alias) throw new KmsError('NotFoundException', `Alias ${this.aliasArn(ref)} is not found.`);
      ref = alias.targetKeyId;
    }
    const key = this.keys.get(ref);
    if (!key) throw new KmsError('NotFoundException', `Key '${this.keyArn(ref)}' does not exist`);
    return key;
  }

  listKeys(): KeyRecord[] {
    return [...this.keys.values()];
  }

  listAliases(): AliasRecord[] {
    return [...this.aliases.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  createAlias(name: string, targetKeyId: string): AliasRecord {
    validateAliasName(name);
    const key = this.resolve(targetKeyId, { allowAlias: false });
    if (this.aliases.has(name)) {
      throw new KmsError(
        'AlreadyExistsException',
        `An alias with the name ${this.aliasArn(name)} already exists`,
      );
    }
    const now = nowSeconds();
    const alias: AliasRecord = { name, targetKeyId: key.keyId, creationDate: now, lastUpdatedDate: now };
    this.aliases.set(name, alias);
    this.persist();
    return alias;
  }

  updateAlias(name: string, targetKeyId: string): void {
    validateAliasName(name);
    const alias = this.aliases.get(name);
    if (!alias) throw new KmsError('NotFoundException', `Alias ${this.aliasArn(name)} is not found.`);
    alias.targetKeyId = this.resolve(targetKeyId, { allowAlias: false }).keyId;
    alias.lastUpdatedDate = nowSeconds();
    this.persist();
  }

  deleteAlias(name: string): void {
    validateAliasName(name);
    if (!this.aliases.delete(name)) {
      throw new KmsError('NotFoundException', `Alias ${this.aliasArn(name)} is not found.`);
    }
    this.persist();
  }

  /** Saves the state after a metadata change made directly on a KeyRecord. */
  persist(): void {
    if (!this.stateDir) return;
    const state: PersistedState = {
      version: 1,
      keys: [...this.keys.values()].map((k) => ({
        keyId: k.keyId,
        keySpec: k.keySpec,
        description: k.description,
        creationDate: k.creationDate,
        state: k.state,
        ...(k.deletionDate !== undefined && { deletionDate: k.deletionDate }),
        ...(k.pendingWindowInDays !== undefined && { pendingWindowInDays: k.pendingWindowInDays }),
        privateKeyPem: k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        policy: k.policy,
        tags: Object.fromEntries(k.tags),
      })),
      aliases: [...this.aliases.values()],
    };
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const file = join(this.stateDir, STATE_FILE);
    const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    // Write-then-rename so a crash never leaves a half-written file holding private keys.
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  }

  private load(stateDir: string): void {
    let text: string;
    try {
      text = readFileSync(join(stateDir, STATE_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const state = JSON.parse(text) as PersistedState;
    if (state.version !== 1) throw new Error(`unsupported KMS emulator state version in ${stateDir}`);
    for (const k of state.keys) {
      const privateKey = createPrivateKey(k.privateKeyPem);
      const { privateKeyPem: _pem, policy, tags, ...fields } = k;
      const record = this.makeRecord({
        ...fields,
        privateKey,
        publicKey: createPublicKey(privateKey),
        policy: policy ?? this.defaultPolicy(),
        tags: new Map(Object.entries(tags ?? {})),
      });
      this.keys.set(record.keyId, record);
    }
    for (const a of state.aliases) this.aliases.set(a.name, { ...a });
  }

  private makeRecord(
    fields: Omit<KeyRecord, 'publicKeyDer' | 'privateKey' | 'publicKey'> & {
      privateKey: KeyObject;
      publicKey: KeyObject;
    },
  ): KeyRecord {
    return { ...fields, publicKeyDer: fields.publicKey.export({ format: 'der', type: 'spki' }) };
  }
}

export function validateAliasName(name: string): void {
  if (!name.startsWith('alias/')) {
    throw new KmsError('InvalidAliasNameException', 'Alias must start with the prefix "alias/".');
  }
  if (name.length > 256 || !/^alias\/[a-zA-Z0-9/_-]+$/.test(name)) {
    throw new KmsError(
      'ValidationException',
      "1 validation error detected: Value at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    );
  }
  if (name.toLowerCase().startsWith('alias/aws/')) {
    throw new KmsError('InvalidAliasNameException', 'Alias names that begin with alias/aws/ are reserved.');
  }
}
