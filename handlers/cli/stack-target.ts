// `--stack <name>`: where an admin command finds the stack's resources. CloudFormation DescribeStacks returns
// the stack's outputs (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html);
// each output named in core/stack-outputs.ts becomes the environment variable the CLIs already read, so a
// stack of any name works without a file from this repository.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { KeygateError } from '../../core/errors.js';
import { STACK_OUTPUT_ENV, STACK_OUTPUTS } from '../../core/stack-outputs.js';
import { UsageError } from '../errors.js';
import { type AwsEnv, awsClientConfig } from './aws-env.js';

export type CloudFormationApi = Pick<CloudFormationClient, 'send'>;

/** The stack could not be read, or names one output twice (two issuers in one stack). */
export class StackOutputsError extends KeygateError<
  'stack_not_found' | 'stack_unreadable' | 'ambiguous_output'
> {
  constructor(code: StackOutputsError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** A CloudFormation stack name: letters, digits and hyphens, starting with a letter, up to 128 (or an ARN). */
const STACK_NAME =
  /^([A-Za-z][A-Za-z0-9-]{0,127}|arn:[\w-]+:cloudformation:[\w-]+:\d{12}:stack\/[\w-]+\/[\w-]+)$/;

/**
 * The output `name` among `keys`: exactly `name` (an output at the stack's top level), or `name` inside a
 * construct's logical id (`<path><name><8 hex hash>`). Several matches: the caller must pick with a flag.
 */
export function findOutputKey(keys: readonly string[], name: string): string | undefined {
  const exact = keys.find((k) => k === name);
  if (exact) return exact;
  const nested = keys.filter((k) => new RegExp(`^[A-Za-z0-9]*${name}[0-9A-F]{8}$`).test(k));
  if (nested.length > 1) {
    throw new StackOutputsError(
      'ambiguous_output',
      `the stack has ${nested.length} outputs named ${name} (${nested.join(', ')})`,
    );
  }
  return nested[0];
}

/** Reads stack `name`'s outputs and returns them as the admin CLIs' environment variables. */
export async function stackOutputEnv(
  name: string,
  env: AwsEnv,
  cloudFormation?: CloudFormationApi,
): Promise<Record<string, string>> {
  if (!STACK_NAME.test(name)) {
    throw new UsageError(`--stack ${JSON.stringify(name)} is not a CloudFormation stack name`);
  }
  const client = cloudFormation ?? new CloudFormationClient(awsClientConfig(env, 'CLOUDFORMATION'));
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: name }));
    outputs = Stacks[0]?.Outputs ?? [];
  } catch (cause) {
    const { name: errorName = '', message = '' } = (cause ?? {}) as { name?: string; message?: string };
    // DescribeStacks answers a missing stack with a ValidationError "Stack with id X does not exist".
    if (errorName === 'ValidationError' && /does not exist/.test(message)) {
      throw new StackOutputsError('stack_not_found', `no stack ${JSON.stringify(name)}`, { cause });
    }
    throw new StackOutputsError('stack_unreadable', `cannot read stack ${JSON.stringify(name)}`, { cause });
  } finally {
    if (!cloudFormation) (client as CloudFormationClient).destroy();
  }
  const keys = outputs.flatMap((o) => (o.OutputKey ? [o.OutputKey] : []));
  const found: Record<string, string> = {};
  for (const output of Object.values(STACK_OUTPUTS)) {
    const key = findOutputKey(keys, output);
    const value = key && outputs.find((o) => o.OutputKey === key)?.OutputValue;
    const variable = STACK_OUTPUT_ENV[output];
    if (value && variable) found[variable] = value;
  }
  return found;
}
