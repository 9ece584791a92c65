// The TokenAuthorizer behind a KeygateAuthorizer, attached to its RestApi at synth through what aws-cdk-lib's
// TokenAuthorizer offers subclasses: the protected `restApiId`, `authorizerProps` and `handler`, listed as
// stable in aws-cdk-lib's jsii assembly (node_modules/aws-cdk-lib/.jsii.gz), so covered by its compatibility
// checks (jsii-diff, https://www.npmjs.com/package/jsii-diff), unlike the @internal method a Method calls.
import { FeatureFlags } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { APIGATEWAY_AUTHORIZER_CHANGE_DEPLOYMENT_LOGICAL_ID } from 'aws-cdk-lib/cx-api';

export class AttachableTokenAuthorizer extends apigateway.TokenAuthorizer {
  /**
   * Attaches this authorizer to `api`, as aws-cdk-lib does when a Method is given the authorizer itself:
   * the API's id, and (under the feature flag) the authorizer in the API's deployment hash so that changing
   * it redeploys the stage. False when it already belongs to another API: an API Gateway authorizer is a
   * resource of one REST API (AWS::ApiGateway::Authorizer RestApiId).
   */
  attach(api: apigateway.IRestApi): boolean {
    if (this.restApiId !== undefined) return this.restApiId === api.restApiId;
    this.restApiId = api.restApiId;
    const deployment = api.latestDeployment;
    if (deployment && FeatureFlags.of(this).isEnabled(APIGATEWAY_AUTHORIZER_CHANGE_DEPLOYMENT_LOGICAL_ID)) {
      const functionName =
        this.handler instanceof lambda.Function
          ? (this.handler.node.defaultChild as lambda.CfnFunction).functionName
          : this.handler.functionName;
      deployment.node.addDependency(this);
      deployment.addToLogicalId({ authorizer: this.authorizerProps, authorizerToken: functionName });
    }
    return true;
  }
}
