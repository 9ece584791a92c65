// Lambda code whose asset is made at synth, not at construction: the prebuilt authorizer bundle plus the
// route table (routes.json) the KeygateAuthorizer collects from the methods declared with require(). A file
// in the asset instead of an environment variable: Lambda allows 4 KB of environment in total, less than a
// 200-route table needs.
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnResource, Lazy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';

export class RouteTableCode extends lambda.Code {
  private asset?: s3assets.Asset;
  private resource?: CfnResource;

  constructor(private readonly bundleDir: string) {
    super();
  }

  override bind(): lambda.CodeConfig {
    const missing = () => {
      throw new Error('the authorizer asset was not staged: KeygateAuthorizer stages it during synth');
    };
    return {
      s3Location: {
        bucketName: Lazy.string({ produce: () => this.asset?.s3BucketName ?? missing() }),
        objectKey: Lazy.string({ produce: () => this.asset?.s3ObjectKey ?? missing() }),
      },
    };
  }

  override bindToResource(resource: CfnResource): void {
    this.resource = resource;
  }

  /** Writes bundle + `fileName` (JSON of `table`) into one directory and makes it the function's asset. */
  stage(scope: Construct, id: string, fileName: string, table: unknown): void {
    if (this.asset) throw new Error('the authorizer asset is staged once');
    const dir = mkdtempSync(join(tmpdir(), 'keygate-authorizer-'));
    for (const file of readdirSync(this.bundleDir)) copyFileSync(join(this.bundleDir, file), join(dir, file));
    writeFileSync(join(dir, fileName), `${JSON.stringify(table)}\n`);
    this.asset = new s3assets.Asset(scope, id, { path: dir });
    // The asset is copied into the cloud assembly as it is created; with staging disabled (SAM local) CDK
    // points at the source directory, which must then stay.
    if (!scope.node.tryGetContext('aws:cdk:disable-asset-staging'))
      rmSync(dir, { recursive: true, force: true });
    if (this.resource) this.asset.addResourceMetadata(this.resource, 'Code');
  }
}
