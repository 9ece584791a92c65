// Synthesizes a KeygateStack once (with cdk-nag's AWS Solutions checks as a validation plugin) into a temp
// cloud assembly, and offers the template plus helpers to read CloudFormation references in assertions.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type CfnElement, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { KeygateStack, type KeygateStackProps } from '../../infra/lib/keygate-stack.js';

export const FIXTURE_ENTRY = fileURLToPath(new URL('./fixtures/minimal-handler.ts', import.meta.url));

/** Entries pointing every function at the tiny fixture: for tests that vary props, not code. */
export const FIXTURE_ENTRIES = {
  authServer: { entries: { token: FIXTURE_ENTRY, jwks: FIXTURE_ENTRY, discovery: FIXTURE_ENTRY } },
  resourceApi: { entries: { authorizer: FIXTURE_ENTRY, products: FIXTURE_ENTRY } },
  keyRotation: { entry: FIXTURE_ENTRY },
} as const;

export interface NagViolation {
  readonly ruleName: string;
  readonly severity: string;
  readonly constructPaths: readonly string[];
}

export interface Synthesized {
  readonly stack: KeygateStack;
  readonly template: Template;
  readonly json: CfnTemplate;
  readonly outdir: string;
  readonly nagViolations: readonly NagViolation[];
  /** Logical id of a construct's CloudFormation resource (its default child when it is an L2). */
  id(construct: IConstruct): string;
  /** Directory of a function's bundled asset inside the cloud assembly. */
  assetDir(functionLogicalId: string): string;
  cleanup(): void;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

export function synthKeygate(props: KeygateStackProps | ((app: App) => KeygateStackProps) = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'keygate-cdk-'));
  const app = new App({ outdir });
  const stack = new KeygateStack(app, 'Keygate', typeof props === 'function' ? props(app) : props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  let nagViolations: NagViolation[] = [];
  let assembly: ReturnType<App['synth']>;
  try {
    assembly = app.synth();
  } finally {
    const reportPath = join(outdir, 'validation-report.json');
    if (existsSync(reportPath)) {
      const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
        pluginReports: {
          violations: {
            ruleName: string;
            severity: string;
            violatingConstructs: { constructPath: string }[];
          }[];
        }[];
      };
      nagViolations = report.pluginReports.flatMap((r) =>
        r.violations.map((v) => ({
          ruleName: v.ruleName,
          severity: v.severity,
          constructPaths: v.violatingConstructs.map((c) => c.constructPath),
        })),
      );
    }
  }
  const json = assembly.getStackArtifact(stack.artifactId).template as CfnTemplate;
  return {
    stack,
    template: Template.fromJSON(json as unknown as Record<string, unknown>),
    json,
    outdir,
    nagViolations,
    id: (construct) => {
      const element = (construct.node.defaultChild ?? construct) as CfnElement;
      return stack.getLogicalId(element);
    },
    assetDir(functionLogicalId) {
      const code = json.Resources[functionLogicalId]?.Properties?.Code as { S3Key?: string } | undefined;
      const key = code?.S3Key;
      if (typeof key !== 'string' || !key.endsWith('.zip'))
        throw new Error(`no asset for ${functionLogicalId}`);
      return join(outdir, `asset.${key.slice(0, -'.zip'.length)}`);
    },
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/**
 * Renders a CloudFormation string value (Fn::Join of literals, Ref, Fn::GetAtt) as text with `${LogicalId}` /
 * `${LogicalId.Attr}` placeholders, so assertions compare whole URLs instead of nested intrinsics.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return `\${${v.Ref}}`;
    if (Array.isArray(v['Fn::GetAtt'])) return `\${${(v['Fn::GetAtt'] as string[]).join('.')}}`;
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** Every logical id a value references (Ref, Fn::GetAtt, Fn::Sub ${...}), pseudo parameters excluded. */
export function references(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) references(v, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) into.add(v);
      else if (k === 'Fn::GetAtt' && Array.isArray(v)) into.add(String(v[0]));
      else if (k === 'Fn::Sub' && typeof v === 'string') {
        for (const m of v.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) into.add(m[1]!);
      } else references(v, into);
    }
  }
  return into;
}

/** A dependency cycle among resources (Ref/GetAtt/DependsOn), or undefined when there is none. */
export function findCycle(json: CfnTemplate): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const [id, res] of Object.entries(json.Resources)) {
    const deps = references(res.Properties);
    for (const d of [res.DependsOn ?? []].flat()) deps.add(d);
    edges.set(
      id,
      [...deps].filter((d) => d in json.Resources),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const d of edges.get(id) ?? []) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Resources of a type, as [logicalId, resource] pairs. */
export function resourcesOfType(json: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** Full path (`/products/{id}`) of an AWS::ApiGateway::Resource, walking ParentId up to the root. */
export function resourcePath(json: CfnTemplate, resourceId: unknown): string {
  const parts: string[] = [];
  let current = resourceId;
  for (;;) {
    const ref = (current as { Ref?: string }).Ref;
    if (!ref) {
      // Fn::GetAtt [RestApi, RootResourceId]
      return `/${parts.reverse().join('/')}`;
    }
    const res = json.Resources[ref];
    if (res?.Type !== 'AWS::ApiGateway::Resource') throw new Error(`not a resource: ${ref}`);
    parts.push(String(res.Properties?.PathPart));
    current = res.Properties?.ParentId;
  }
}
