// Parses the API Gateway method ARN a TOKEN authorizer receives (docs/design.md#arn-limits):
// arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}.
// Strict on the parts the policy builder copies into Resource ARNs (partition .. stage): one carrying `*`,
// `?`, `:` or `/` would widen the policy, so it is rejected rather than escaped. The resource path is the
// request's raw path (data, never copied into a policy) and is only required to start with `/`.

export interface MethodArn {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  /** HTTP verb as API Gateway writes it (upper case), or `*`. */
  readonly method: string;
  /** Resource path with its leading `/` (`/` for the root resource). */
  readonly resourcePath: string;
  /** `arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}`: what every route ARN starts with. */
  readonly prefix: string;
}

/** API Gateway rejects longer method ARNs with 414 (docs/design.md#arn-limits). */
export const MAX_METHOD_ARN_LENGTH = 1600;

const PARTITION = /^aws(?:-[a-z]+)*$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;
const API_ID = /^[A-Za-z0-9]+$/;
// Stage names: letters, digits, hyphens and underscores (API Gateway CreateStage), at most 128.
const STAGE = /^[A-Za-z0-9_-]{1,128}$/;
const METHOD = /^(?:[A-Z]+|\*)$/;

/** The parts of a method ARN, or undefined when it is not a well-formed execute-api method ARN. */
export function parseMethodArn(arn: string): MethodArn | undefined {
  if (typeof arn !== 'string' || arn.length > MAX_METHOD_ARN_LENGTH) return undefined;
  const fields = arn.split(':');
  // The path may itself contain ':' so everything after the fifth ':' is the resource part.
  if (fields.length < 6 || fields[0] !== 'arn' || fields[2] !== 'execute-api') return undefined;
  const partition = fields[1]!;
  const region = fields[3]!;
  const accountId = fields[4]!;
  const resource = fields.slice(5).join(':');
  if (!PARTITION.test(partition) || !REGION.test(region) || !ACCOUNT.test(accountId)) return undefined;
  const s1 = resource.indexOf('/');
  const s2 = s1 < 0 ? -1 : resource.indexOf('/', s1 + 1);
  const s3 = s2 < 0 ? -1 : resource.indexOf('/', s2 + 1);
  if (s3 < 0) return undefined;
  const apiId = resource.slice(0, s1);
  const stage = resource.slice(s1 + 1, s2);
  const method = resource.slice(s2 + 1, s3);
  const resourcePath = resource.slice(s3);
  if (!API_ID.test(apiId) || !STAGE.test(stage) || !METHOD.test(method) || resourcePath[0] !== '/') {
    return undefined;
  }
  return {
    partition,
    region,
    accountId,
    apiId,
    stage,
    method,
    resourcePath,
    prefix: `arn:${partition}:execute-api:${region}:${accountId}:${apiId}/${stage}`,
  };
}
