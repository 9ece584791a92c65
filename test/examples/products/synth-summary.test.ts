// `npm run synth`'s summary from a known template and cloud assembly: bundle sizes from the asset folders,
// cdk-nag acknowledgments counted from the template's cdk_nag metadata.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthSummary } from '../../../examples/products/synth-summary.js';

const outdir = mkdtempSync(join(tmpdir(), 'keygate-synth-summary-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('synthSummary', () => {
  it('lists the stack, each bundle with its code size and one cdk-nag line', () => {
    mkdirSync(join(outdir, 'asset.aaa'));
    writeFileSync(join(outdir, 'asset.aaa', 'index.mjs'), Buffer.alloc(2048));
    writeFileSync(join(outdir, 'asset.aaa', 'index.mjs.map'), Buffer.alloc(9999));
    const lines = synthSummary({
      stackName: 'Keygate',
      templateFile: 'cdk.out/Keygate.template.json',
      outdir,
      functions: [
        { path: 'ResourceApi/AuthorizerFunction', logicalId: 'Authorizer' },
        { path: 'AuthServer/TokenFunction', logicalId: 'Token' },
      ],
      template: {
        Resources: {
          Authorizer: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Key: 'aaa.zip' } } },
          Token: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Key: 'missing.zip' } } },
          Api: {
            Type: 'AWS::ApiGateway::RestApi',
            Metadata: {
              cdk_nag: {
                rules_to_suppress: [{ id: 'AwsSolutions-APIG3' }, { id: 'AwsSolutions-IAM4[Policy::x]' }],
              },
            },
          },
          Role: {
            Type: 'AWS::IAM::Role',
            Metadata: { cdk_nag: { rules_to_suppress: [{ id: 'AwsSolutions-IAM4[Policy::y]' }] } },
          },
        },
      },
    });
    expect(lines).toEqual([
      'stack Keygate: 4 resources, template cdk.out/Keygate.template.json',
      'Lambda bundles (esbuild, minified ESM; source maps beside them):',
      '  ResourceApi/AuthorizerFunction  2.0 KiB',
      '  AuthServer/TokenFunction        (no local bundle)',
      "cdk-nag AwsSolutions: 0 open findings, 3 acknowledged (2 rules, each with its reason in the template's cdk_nag metadata)",
      'Full template: npx cdk synth (YAML on stdout) or the file above.',
    ]);
  });
});
