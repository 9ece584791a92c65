// The stack-level CfnOutputs the `keygate --stack <name>` CLI reads (names in core/stack-outputs.ts). An
// output made at the stack's top level keeps its id as its logical id, so the name is exactly the constant.
import { CfnOutput, Lazy, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  type AuthorizerCache,
  formatAuthorizerCaches,
  STACK_OUTPUTS,
  type StackOutputName,
} from '../../../core/stack-outputs.js';

const CLAIMED = new WeakMap<Stack, string>();

/**
 * Makes `owner` the one construct writing the issuer outputs of its stack; a second one (two KeygateIssuers in
 * one stack) fails synth naming both, since the CLI could read only one of them. Returns whether it may.
 */
export function claimIssuerOutputs(owner: IConstruct): boolean {
  const stack = Stack.of(owner);
  const other = CLAIMED.get(stack);
  if (other === undefined) {
    CLAIMED.set(stack, owner.node.path);
    return true;
  }
  owner.node.addValidation({
    validate: () => [
      `${owner.node.path}: the stack already has keygate's outputs (from ${other}); the CLI reads one issuer ` +
        'per stack: put this one in its own stack or pass `outputs: false`',
    ],
  });
  return false;
}

/** One output the CLI reads, at the stack's top level so its logical id is exactly `name`. */
export function keygateOutput(
  owner: IConstruct,
  name: StackOutputName,
  value: string,
  description: string,
): void {
  new CfnOutput(Stack.of(owner), name, { value, description });
}

const CACHES = new WeakMap<Stack, AuthorizerCache[]>();

/** Adds one authorizer cache to the stack's `KeygateAuthorizerCaches` output (made on the first one). */
export function addAuthorizerCacheOutput(owner: IConstruct, cache: AuthorizerCache): void {
  const stack = Stack.of(owner);
  let caches = CACHES.get(stack);
  if (!caches) {
    const list: AuthorizerCache[] = [];
    caches = list;
    CACHES.set(stack, list);
    new CfnOutput(stack, STACK_OUTPUTS.authorizerCaches, {
      value: Lazy.string({ produce: () => formatAuthorizerCaches(list) }),
      description: 'API Gateway authorizer caches (restApiId/stage) that clients revoke|disable|delete flush',
    });
  }
  caches.push(cache);
}
