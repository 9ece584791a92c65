// The signing-key rotation engine (KMS asymmetric keys do not rotate themselves): one call applies at
// most one step and records it in the key state, so the same code runs from a Step Functions loop on
// AWS and from `npm run keys -- rotate` locally, and a failed or repeated run resumes where it stopped.
// Steps: create the new key; (wait) tag and publish it; (wait) switch signing to it; (wait) unpublish the old
// key; (wait) disable the old key and schedule its deletion. A new key is created without tags and with a key
// policy naming the roles that use it, then tagged by a separate TagResource that its own policy allows
// (core/issuer/keys/signing-key-policy.ts): no role needs a KMS permission on keys it did not create.
import { randomUUID } from 'node:crypto';
import {
  CreateKeyCommand,
  DisableKeyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { KeyRotationError } from '../errors.js';
import type { RotationWaits } from './key-rotation-plan.js';
import type { KeyRotation, KeyState, KeyStateStore, KeyStateUpdate, SigningKeys } from './key-state.js';
import { KMS_RS256, type KmsApi } from './kms.js';
import { type SigningKeyPrincipals, signingKeyPolicy } from './signing-key-policy.js';

/** The steps, in order. */
export type RotationStep =
  | 'key_created'
  | 'key_published'
  | 'signing_switched'
  | 'key_unpublished'
  | 'key_retired';

/** What one call did: a step, a wait that has not run out, nothing to do, or another run got there first. */
export type RotationOutcome = RotationStep | 'waiting' | 'idle' | 'superseded';

/** The structured event each call emits (a JSON log line on AWS and in the CLI). */
export interface RotationEvent {
  readonly event: 'keygate.key_rotation';
  readonly outcome: RotationOutcome;
  readonly rotationId?: string;
  readonly previousKeyId?: string;
  readonly nextKeyId?: string;
  readonly signingKeyId: string;
  readonly publishedKeyIds: readonly string[];
  /** Seconds until the next step may run (0: now; absent when done). */
  readonly waitSeconds?: number;
  /** ISO-8601. */
  readonly at: string;
}

export interface RotationResult {
  readonly outcome: RotationOutcome;
  /** No rotation in progress any more (completed, or none to run). */
  readonly done: boolean;
  /** Seconds to wait before the next call (0 when done). */
  readonly waitSeconds: number;
  readonly rotationId?: string;
  readonly keys: SigningKeys;
}

export interface KeyRotatorOptions {
  readonly store: KeyStateStore;
  /** Needs CreateKey; then TagResource, UpdateAlias, DisableKey, ScheduleKeyDeletion on the keys it made. */
  readonly kms: KmsApi;
  /** The deployed keys (SIGNING_KEY_ID / PUBLISHED_KEY_IDS) when no rotation has written a state yet. */
  readonly initial?: SigningKeys;
  readonly waits: RotationWaits;
  /** Moved to the new key when signing switches, so the alias always names the signing key. */
  readonly alias?: string;
  /** Tags put on created keys (they name the stack; they grant nothing). */
  readonly keyTags?: Readonly<Record<string, string>>;
  /**
   * The roles named in a created key's policy (signingKeyPolicy), or how to find them from the signing key
   * being replaced (called only when a key is created; e.g. inheritedKeyPrincipals). Unset: KMS's default
   * key policy, where the account's IAM policies decide (the local emulator).
   */
  readonly keyPrincipals?: SigningKeyPrincipals | ((signingKeyId: string) => Promise<SigningKeyPrincipals>);
  readonly keyDescription?: string;
  /** KMS waiting period before deletion of the retired key (7-30 days). */
  readonly pendingWindowDays: number;
  readonly now?: () => number;
  readonly onEvent?: (event: RotationEvent) => void;
}

export interface StartRequest {
  /** Start a rotation when none is in progress (otherwise: resume, or report idle). */
  readonly start: boolean;
  /**
   * Idempotency key (e.g. the schedule's scheduled time), recorded as the rotation's id: a start whose
   * id is the last completed rotation's starts nothing. A start during a rotation resumes that rotation.
   */
  readonly requestId?: string;
}

export interface KeyRotator {
  step(request: StartRequest): Promise<RotationResult>;
  /** Steps until done, sleeping each wait; a conflict with another run re-reads and continues. */
  run(request: StartRequest & { readonly sleep: (ms: number) => Promise<void> }): Promise<RotationResult>;
  /** The stored state (undefined before the first rotation) and the keys in force. */
  status(): Promise<{ readonly state: KeyState | undefined; readonly keys: SigningKeys }>;
}

// A retired key that is already disabled or pending deletion is where this step wants it.
const ALREADY_RETIRED = new Set(['KMSInvalidStateException', 'DisabledException']);

export function createKeyRotator(options: KeyRotatorOptions): KeyRotator {
  const { store, kms, waits } = options;
  const now = options.now ?? Date.now;

  const kmsCall = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw new KeyRotationError('dependency_failed', `KMS ${what} failed`, { cause: err });
    }
  };

  // Built once when given: a bad principal ARN is a configuration error before any key exists.
  const given = options.keyPrincipals;
  const fixedPolicy =
    given && typeof given !== 'function' ? JSON.stringify(signingKeyPolicy(given)) : undefined;
  const policyFor = async (signingKeyId: string): Promise<string | undefined> => {
    if (typeof given !== 'function') return fixedPolicy;
    const principals = await given(signingKeyId);
    try {
      return JSON.stringify(signingKeyPolicy(principals));
    } catch (err) {
      throw new KeyRotationError('no_key_principals', `the new key's policy: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  const tags = Object.entries(options.keyTags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));

  async function createKey(rotationId: string, signingKeyId: string): Promise<string> {
    const keyPolicy = await policyFor(signingKeyId);
    // No Tags here: tagging inside CreateKey needs kms:TagResource on every key in the account.
    const out = await kmsCall('CreateKey', () =>
      kms.send(
        new CreateKeyCommand({
          KeySpec: 'RSA_2048',
          KeyUsage: 'SIGN_VERIFY',
          Description: `${options.keyDescription ?? 'keygate access-token signing key'} (rotation ${rotationId})`,
          ...(keyPolicy ? { Policy: keyPolicy } : {}),
        }),
      ),
    );
    const meta = out.KeyMetadata;
    // Checked from CreateKey's own answer: the new key's policy may not authorize GetPublicKey for minutes.
    if (!meta?.Arn || !meta.SigningAlgorithms?.includes(KMS_RS256)) {
      throw new KeyRotationError('dependency_failed', 'KMS CreateKey returned no RS256 signing key');
    }
    return meta.Arn;
  }

  async function retireKey(keyId: string): Promise<void> {
    const tolerate = (err: unknown) => {
      const name = (err as { name?: string })?.name ?? '';
      if (!ALREADY_RETIRED.has(name)) throw err;
    };
    await kmsCall('DisableKey', () => kms.send(new DisableKeyCommand({ KeyId: keyId })).catch(tolerate));
    await kmsCall('ScheduleKeyDeletion', () =>
      kms
        .send(
          new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: options.pendingWindowDays }),
        )
        .catch(tolerate),
    );
  }

  const keysOf = (s: SigningKeys): SigningKeys => ({
    signingKeyId: s.signingKeyId,
    publishedKeyIds: s.publishedKeyIds,
  });

  /** Builds the result of a call and emits its event. */
  const report = (
    outcome: RotationOutcome,
    keys: SigningKeys,
    rotation: KeyRotation | undefined,
    { done, waitSeconds = 0 }: { done: boolean; waitSeconds?: number },
  ): RotationResult => {
    const result: RotationResult = {
      outcome,
      done,
      waitSeconds: done ? 0 : waitSeconds,
      ...(rotation ? { rotationId: rotation.id } : {}),
      keys,
    };
    try {
      options.onEvent?.({
        event: 'keygate.key_rotation',
        outcome,
        ...(rotation
          ? { rotationId: rotation.id, previousKeyId: rotation.previousKeyId, nextKeyId: rotation.nextKeyId }
          : {}),
        signingKeyId: keys.signingKeyId,
        publishedKeyIds: keys.publishedKeyIds,
        ...(done ? {} : { waitSeconds: result.waitSeconds }),
        at: new Date(now()).toISOString(),
      });
    } catch {
      // An event sink failing must not fail a step that is already recorded.
    }
    return result;
  };

  async function current(): Promise<{ state: KeyState | undefined; keys: SigningKeys }> {
    const state = await store.read();
    if (state) return { state, keys: keysOf(state) };
    if (!options.initial) {
      throw new KeyRotationError('no_signing_key', 'no key state yet and no initial signing key configured');
    }
    return { state, keys: keysOf(options.initial) };
  }

  async function step(request: StartRequest): Promise<RotationResult> {
    const { state, keys } = await current();
    const rotation = state?.rotation;
    const lastRotation = state?.lastRotation ? { lastRotation: state.lastRotation } : {};
    // Every write is conditional on the version just read: of two runs, one applies the step.
    const write = async (next: Partial<KeyStateUpdate>) =>
      keysOf(await store.write({ ...keys, ...lastRotation, ...next }, state?.version));

    try {
      if (!rotation) {
        const repeated = request.requestId !== undefined && state?.lastRotation?.id === request.requestId;
        if (!request.start || repeated) return report('idle', keys, undefined, { done: true });
        const id = request.requestId ?? randomUUID();
        const nextKeyId = await createKey(id, keys.signingKeyId);
        const started: KeyRotation = {
          id,
          phase: 'created',
          previousKeyId: keys.signingKeyId,
          nextKeyId,
          startedAt: now(),
          notBefore: now() + waits.createSeconds * 1000,
        };
        let written: SigningKeys;
        try {
          written = await write({ rotation: started });
        } catch (err) {
          // Another run started first: the key made here is nobody's, so it goes now.
          await retireKey(nextKeyId).catch(() => undefined);
          throw err;
        }
        return report('key_created', written, started, { done: false, waitSeconds: waits.createSeconds });
      }
      const wait = Math.ceil((rotation.notBefore - now()) / 1000);
      if (wait > 0) return report('waiting', keys, rotation, { done: false, waitSeconds: wait });
      const advance = (phase: KeyRotation['phase'], waitSeconds: number): KeyRotation => ({
        ...rotation,
        phase,
        notBefore: now() + waitSeconds * 1000,
      });
      switch (rotation.phase) {
        case 'created': {
          // After the create wait, so the new key and its policy have reached every KMS host (AWS KMS
          // Developer Guide, "AWS KMS eventual consistency"). Tagging again with the same values is a no-op.
          if (tags.length > 0) {
            await kmsCall('TagResource', () =>
              kms.send(new TagResourceCommand({ KeyId: rotation.nextKeyId, Tags: tags })),
            );
          }
          const r = advance('published', waits.publishSeconds);
          const publishedKeyIds = [...new Set([...keys.publishedKeyIds, rotation.nextKeyId])];
          const written = await write({ publishedKeyIds, rotation: r });
          return report('key_published', written, r, { done: false, waitSeconds: waits.publishSeconds });
        }
        case 'published': {
          const alias = options.alias;
          if (alias) {
            await kmsCall('UpdateAlias', () =>
              kms.send(new UpdateAliasCommand({ AliasName: alias, TargetKeyId: rotation.nextKeyId })),
            );
          }
          const r = advance('switched', waits.retireSeconds);
          const written = await write({ signingKeyId: rotation.nextKeyId, rotation: r });
          return report('signing_switched', written, r, { done: false, waitSeconds: waits.retireSeconds });
        }
        case 'switched': {
          const r = advance('unpublished', waits.disableSeconds);
          const publishedKeyIds = keys.publishedKeyIds.filter((k) => k !== rotation.previousKeyId);
          const written = await write({ publishedKeyIds, rotation: r });
          return report('key_unpublished', written, r, { done: false, waitSeconds: waits.disableSeconds });
        }
        case 'unpublished': {
          await retireKey(rotation.previousKeyId);
          const written = await store.write(
            { ...keys, lastRotation: { id: rotation.id, keyId: rotation.nextKeyId, completedAt: now() } },
            state?.version,
          );
          return report('key_retired', keysOf(written), rotation, { done: true });
        }
      }
    } catch (err) {
      if (err instanceof KeyRotationError && err.code === 'conflict') {
        return report('superseded', keys, rotation, { done: false });
      }
      throw err;
    }
  }

  return {
    step,
    async run({ sleep, ...request }) {
      let result = await step(request);
      while (!result.done) {
        if (result.waitSeconds > 0) await sleep(result.waitSeconds * 1000);
        // Only the first call may start a rotation: later ones resume it or find it done.
        result = await step({ start: false });
      }
      return result;
    },
    status: current,
  };
}
