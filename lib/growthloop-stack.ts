import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AdminApi } from './admin-api';
import { EventBus } from './event-bus';
import { HttpApi } from './http-api';
import { Ingest } from './ingest';
import { Profiles } from './profiles';
import { Routing } from './routing';
import { Storage } from './storage';
import { loadTenantRecords } from './tenants';

/** growthloop in one environment-agnostic stack: HTTP API -> ingest -> bus -> queues -> profiles -> table. */
export class GrowthloopStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, { description: 'growthloop marketing automation', ...props });
    const tenantsJson = JSON.stringify(loadTenantRecords(this));

    const { table } = new Storage(this, 'Storage');
    const { bus } = new EventBus(this, 'Events');
    const routing = new Routing(this, 'Routing', { bus });

    const ingest = new Ingest(this, 'Ingest', { bus, tenantsJson });
    new Profiles(this, 'Profiles', { table, queue: routing.queues['profile-updates'], tenantsJson });
    const admin = new AdminApi(this, 'AdminApi', { table, tenantsJson });
    const http = new HttpApi(this, 'Http', { ingest: ingest.handler.fn, admin: admin.handler.fn });

    new CfnOutput(this, 'ApiUrl', { value: http.url, description: 'Base URL of the growthloop HTTP API' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'The growthloop DynamoDB table' });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName, description: 'The growthloop EventBridge bus' });
  }
}
