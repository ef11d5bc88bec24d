import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionName, httpRoutes, routeKey } from '../functions/http-routes';
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
  ingest: `Authentication happens inside the function: ingest checks the tenant API key (x-api-key header, compared by its salted hash in the tenant registry). ${NO_GATEWAY_CREDENTIALS}`,
  admin:
    "Authentication happens inside the function: admin checks authorization: Bearer <adminKey> (compared by its salted hash in the tenant registry), or a JWT of the tenant's own identity provider (a Cognito user pool or OIDC issuer named in the tenant's config, verified against its JWKS, with the roles of its groups claim), and serves only that tenant. An API Gateway JWT authorizer takes one issuer per route, not one per tenant.",
  webhooks: `Authentication happens inside the function: each webhook is verified against its body with the tenant's platform signing secret (x-shopify-hmac-sha256, x-wc-webhook-signature) before anything is stored; a one-click unsubscribe (/u/{token}) is verified by the HMAC of its token under the tenant's unsubscribe secret. ${NO_GATEWAY_CREDENTIALS} Mailbox providers and recipients of a message cannot either.`,
  segment: `Authorization happens in the function: it checks the tenant's Segment write key sent as HTTP Basic user name (compared by its salted hash in the tenant registry). ${NO_GATEWAY_CREDENTIALS}`,
};

/**
 * Requests per second (steady, burst) each route may take, by the function that serves it. Each route has
 * its own budget: a flood of admin calls cannot use up what store webhooks and event ingestion need, and a
 * flood on one platform's webhook route leaves the others, and the admin API, their own.
 */
export const ROUTE_THROTTLES: Record<FunctionName, { rateLimit: number; burstLimit: number }> = {
  ingest: { rateLimit: 500, burstLimit: 1000 },
  segment: { rateLimit: 500, burstLimit: 1000 },
  webhooks: { rateLimit: 300, burstLimit: 600 },
  admin: { rateLimit: 50, burstLimit: 100 },
};

/** For a route left out of ROUTE_THROTTLES: the stage's default. */
export const DEFAULT_THROTTLE = { rateLimit: 200, burstLimit: 400 };

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
      throttle: DEFAULT_THROTTLE,
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

    const stage = this.stage.node.defaultChild as apigw.CfnStage;
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const spec of httpRoutes) {
      const { method, path, fn } = spec;
      const methods = [apigw.HttpMethod[method]];
      for (const route of this.api.addRoutes({ path, methods, integration: integrations[fn] })) {
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: AUTH_IN_FUNCTION[fn] });
        // Route settings name the route by its key: it must exist before the stage refers to it.
        stage.node.addDependency(route);
      }
      const { rateLimit, burstLimit } = ROUTE_THROTTLES[fn];
      routeSettings[routeKey(spec)] = { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit };
    }
    stage.routeSettings = routeSettings;
  }
}
