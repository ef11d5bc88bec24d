import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionName, httpRoutes } from '../functions/http-routes';
import { resourceName } from './stage';

export type HttpApiProps = {
  ingest: lambda.IFunction;
  admin: lambda.IFunction;
  webhooks: lambda.IFunction;
  segment: lambda.IFunction;
};

// Request metadata only: no source IP, user agent or body, so access logs hold no personal data.
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

const NO_GATEWAY_CREDENTIALS =
  'Store platforms and Segment-compatible sources cannot present IAM, JWT or Cognito credentials.';

/** Why each function's routes have no API Gateway authorizer (AwsSolutions-APIG4): each authenticates in the function. */
const AUTH_IN_FUNCTION: Record<FunctionName, string> = {
  ingest: `Authentication happens inside the function: ingest checks the tenant API key (x-api-key header, compared by SHA-256 hash). ${NO_GATEWAY_CREDENTIALS}`,
  admin:
    'Authentication happens inside the function: admin checks authorization: Bearer <adminKey> (compared by SHA-256 hash) and serves only that tenant.',
  webhooks: `Authentication happens inside the function: each webhook is verified against its body with the tenant's platform signing secret (x-shopify-hmac-sha256, x-wc-webhook-signature) before anything is stored. ${NO_GATEWAY_CREDENTIALS}`,
  segment: `Authorization happens in the function: it checks the tenant's Segment write key sent as HTTP Basic user name (compared by SHA-256 hash). ${NO_GATEWAY_CREDENTIALS}`,
};

/**
 * The public HTTP API: store webhooks and Segment-spec calls in, admin lookups, exports and erasure.
 * API Gateway HTTP APIs (apigatewayv2) do not support X-Ray tracing, unlike REST APIs: traces start at the
 * functions (active tracing, lib/function.ts).
 */
export class HttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly url: string;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: resourceName(this, 'api'),
      description: 'growthloop webhooks, Segment-spec and admin API',
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });
    this.url = this.stage.url;

    // One integration per function, shared by its routes (one invoke permission per route).
    const integrations = {
      ingest: new HttpLambdaIntegration('Ingest', props.ingest),
      admin: new HttpLambdaIntegration('Admin', props.admin),
      webhooks: new HttpLambdaIntegration('Webhooks', props.webhooks),
      segment: new HttpLambdaIntegration('Segment', props.segment),
    } satisfies Record<FunctionName, HttpLambdaIntegration>;

    for (const { method, path, fn } of httpRoutes) {
      const methods = [apigw.HttpMethod[method]];
      for (const route of this.api.addRoutes({ path, methods, integration: integrations[fn] })) {
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: AUTH_IN_FUNCTION[fn] });
      }
    }
  }
}
