import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AdminApi } from './admin-api';
import { EventBus } from './event-bus';
import { HttpApi } from './http-api';
import { Ingest } from './ingest';
import { Journeys } from './journeys';
import { Lifecycle } from './lifecycle';
import { Profiles } from './profiles';
import { Routing } from './routing';
import { Segment } from './segment';
import { Storage } from './storage';
import { TenantSecrets } from './tenant-secrets';
import { loadTenantRecords } from './tenants';
import { Webhooks } from './webhooks';

/** growthloop in one environment-agnostic stack: HTTP API -> ingest -> bus -> queues -> profiles -> table, and the daily lifecycle run. */
export class GrowthloopStack extends Stack {
  readonly ingest: Ingest;
  readonly admin: AdminApi;
  readonly webhooks: Webhooks;
  readonly segment: Segment;
  readonly tenantSecrets: TenantSecrets;
  readonly journeys: Journeys;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, { description: 'growthloop marketing automation', ...props });
    const tenantsJson = JSON.stringify(loadTenantRecords(this));

    const { table } = new Storage(this, 'Storage');
    const { bus } = new EventBus(this, 'Events');
    const routing = new Routing(this, 'Routing', { bus });
    this.tenantSecrets = new TenantSecrets(this, 'TenantSecrets');

    this.ingest = new Ingest(this, 'Ingest', { bus, tenantsJson });
    new Profiles(this, 'Profiles', { table, queue: routing.queues['profile-updates'], bus, tenantsJson });
    new Lifecycle(this, 'Lifecycle', { table, bus, tenantsJson });
    this.journeys = new Journeys(this, 'Journeys', {
      table,
      events: routing.queues['journey-events'],
      steps: routing.queues['journey-steps'],
      actions: routing.queues.actions,
      actionsDeadLetters: routing.deadLetters.actions,
      stepsDeadLetters: routing.deadLetters['journey-steps'],
      tenantsJson,
    });
    this.admin = new AdminApi(this, 'AdminApi', { table, tenantsJson });
    this.webhooks = new Webhooks(this, 'Webhooks', {
      bus,
      table,
      tenantsJson,
      tenantSecretsArn: this.tenantSecrets.secretArn,
    });
    this.segment = new Segment(this, 'Segment', { bus, tenantsJson });
    const http = new HttpApi(this, 'Http', {
      ingest: this.ingest.handler.fn,
      admin: this.admin.handler.fn,
      webhooks: this.webhooks.handler.fn,
      segment: this.segment.handler.fn,
    });

    new CfnOutput(this, 'ApiUrl', { value: http.url, description: 'Base URL of the growthloop HTTP API' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'The growthloop DynamoDB table' });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName, description: 'The growthloop EventBridge bus' });
    new CfnOutput(this, 'TenantSecretsArn', {
      value: this.tenantSecrets.secretArn,
      description:
        "Secret holding the tenants' platform secrets: set it with aws secretsmanager put-secret-value --secret-id <arn> --secret-string file://tenant-secrets.json",
    });
  }
}
