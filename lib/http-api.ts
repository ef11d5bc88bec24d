import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export type HttpApiProps = { ingest: lambda.IFunction; admin: lambda.IFunction };

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

const AUTH_IN_FUNCTION =
  'Authentication happens inside the function: ingest checks the tenant API key (x-api-key header, compared by SHA-256 hash), admin checks authorization: Bearer <adminKey>. Store webhooks cannot present IAM, JWT or Cognito credentials.';

/** The public HTTP API: store webhooks in, admin lookups out. */
export class HttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly url: string;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'growthloop webhooks and admin API',
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

    const routes = [
      ...this.api.addRoutes({
        path: '/v1/events',
        methods: [apigw.HttpMethod.POST],
        integration: new HttpLambdaIntegration('Ingest', props.ingest),
      }),
      ...this.api.addRoutes({
        path: '/v1/customers/{customerId}',
        methods: [apigw.HttpMethod.GET],
        integration: new HttpLambdaIntegration('Admin', props.admin),
      }),
    ];
    for (const route of routes)
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: AUTH_IN_FUNCTION });
  }
}
