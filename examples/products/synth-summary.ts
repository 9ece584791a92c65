// What `npm run synth` prints instead of the template: the stack, each Lambda bundle with its size, and
// the cdk-nag verdict (open findings fail the synth, so reaching this means none; acknowledged ones are
// counted from the cdk_nag metadata written into the template). The template stays in cdk.out.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: { readonly Code?: { readonly S3Key?: unknown } };
  readonly Metadata?: {
    readonly cdk_nag?: { readonly rules_to_suppress?: readonly { readonly id: string }[] };
  };
}

export interface SynthFunction {
  /** Construct path under the stack, e.g. AuthServer/TokenFunction. */
  readonly path: string;
  readonly logicalId: string;
}

export interface SynthSummaryInput {
  readonly stackName: string;
  readonly templateFile: string;
  readonly template: { readonly Resources: Readonly<Record<string, TemplateResource>> };
  /** The cloud assembly directory (asset.<hash>/ folders). */
  readonly outdir: string;
  readonly functions: readonly SynthFunction[];
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Size of the bundle's code files (.mjs/.js), not its source map. */
function codeBytes(dir: string): number | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((f) => /\.(m?js|cjs)$/.test(f))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

export function synthSummary(input: SynthSummaryInput): string[] {
  const resources = Object.values(input.template.Resources);
  const acknowledged = resources.flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
  const rules = new Set(acknowledged.map((a) => a.id.replace(/\[.*$/, '')));
  const width = Math.max(...input.functions.map((f) => f.path.length));
  const bundles = input.functions.map((f) => {
    const key = input.template.Resources[f.logicalId]?.Properties?.Code?.S3Key;
    const bytes =
      typeof key === 'string' && key.endsWith('.zip')
        ? codeBytes(join(input.outdir, `asset.${key.slice(0, -'.zip'.length)}`))
        : undefined;
    return `  ${f.path.padEnd(width)}  ${bytes === undefined ? '(no local bundle)' : kib(bytes)}`;
  });
  return [
    `stack ${input.stackName}: ${resources.length} resources, template ${input.templateFile}`,
    `Lambda bundles (esbuild, minified ESM; source maps beside them):`,
    ...bundles,
    `cdk-nag AwsSolutions: 0 open findings, ${acknowledged.length} acknowledged (${rules.size} rules, each with its reason in the template's cdk_nag metadata)`,
    'Full template: npx cdk synth (YAML on stdout) or the file above.',
  ];
}
