// The deployed authorizer as the cold-start suite runs it: the asset folder CDK bundled into cdk.out
// (found through the synthesized template) and the function's environment from that same template.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CdkFunctionAsset {
  /** cdk.out/asset.<hash> */
  readonly dir: string;
  /** The module file Lambda loads (`index.handler` -> index.mjs). */
  readonly file: string;
  /** Literal variables as synthesized; values CloudFormation computes at deploy time are left out. */
  readonly environment: Readonly<Record<string, string>>;
  /** Variables the template computes at deploy time (URLs of the stack's own APIs). */
  readonly deployTime: readonly string[];
}

interface TemplateResource {
  readonly Type: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Properties?: { Handler?: string; Environment?: { Variables?: Record<string, unknown> } };
}

/** The Lambda function whose construct path contains `pathPart` (e.g. `/Authorizer/Function/`). */
export function findFunctionAsset(cdkOut: string, templateFile: string, pathPart: string): CdkFunctionAsset {
  const template = JSON.parse(readFileSync(join(cdkOut, templateFile), 'utf8')) as {
    Resources: Record<string, TemplateResource>;
  };
  const found = Object.values(template.Resources).filter(
    (r) =>
      r.Type === 'AWS::Lambda::Function' && String(r.Metadata?.['aws:cdk:path'] ?? '').includes(pathPart),
  );
  if (found.length !== 1)
    throw new Error(`expected one Lambda function under ${pathPart}, found ${found.length}`);
  const fn = found[0]!;
  const assetPath = fn.Metadata?.['aws:asset:path'];
  const handler = fn.Properties?.Handler;
  if (typeof assetPath !== 'string' || typeof handler !== 'string') {
    throw new Error(`${pathPart} has no bundled asset in ${templateFile}`);
  }
  const environment: Record<string, string> = {};
  const deployTime: string[] = [];
  for (const [name, value] of Object.entries(fn.Properties?.Environment?.Variables ?? {})) {
    if (typeof value === 'string') environment[name] = value;
    else deployTime.push(name);
  }
  const dir = join(cdkOut, assetPath);
  return { dir, file: `${handler.slice(0, handler.lastIndexOf('.'))}.mjs`, environment, deployTime };
}
