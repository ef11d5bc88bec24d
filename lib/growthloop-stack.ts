import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CAMPAIGNS_SOURCE, METRICS_SOURCE } from '../functions/routes';
import { Actions, channelSettingsFromContext } from './actions';
import { AdminApi } from './admin-api';
import { Campaigns } from './campaigns';
import { Console, consoleSettingsFromContext } from './console';
import { DailyRun } from './daily-run';
import { DataKeys } from './data-keys';
import { EventBus } from './event-bus';
import { Feedback } from './feedback';
import { Groups } from './groups';
import { HttpApi } from './http-api';
import { Ingest } from './ingest';
import { Journeys } from './journeys';
import { Loyalty } from './loyalty';
import { Observability } from './observability';
import { Profiles } from './profiles';
import { Routing } from './routing';
import { Segment } from './segment';
import { STAGE_TAG } from './stage';
import { Storage } from './storage';
import { TenantErasure } from './tenant-erasure';
import { TenantSecrets } from './tenant-secrets';
import { grantTenantRegistry, loadDeployConfig } from './tenants';
import { Webhooks } from './webhooks';

export type GrowthloopStackProps = StackProps & {
  /** The stage (lib/stage.ts): in the stack name, every explicit name, and the growthloop:stage tag. */
  stage: string;
};

/**
 * growthloop in one environment-agnostic stack per stage: HTTP API -> ingest -> bus -> queues -> profiles -> table,
 * the daily lifecycle run, journeys, dispatch of their actions, and the alarms on all of it.
 */
export class GrowthloopStack extends Stack {
  readonly stage: string;
  readonly events: EventBus;
  readonly routing: Routing;
  readonly ingest: Ingest;
  readonly admin: AdminApi;
  readonly webhooks: Webhooks;
  readonly segment: Segment;
  readonly tenantSecrets: TenantSecrets;
  readonly tenantErasure: TenantErasure;
  readonly journeys: Journeys;
  readonly actions: Actions;
  readonly loyalty: Loyalty;
  readonly groups: Groups;
  readonly feedback: Feedback;
  readonly observability: Observability;
  readonly console: Console;

  constructor(scope: Construct, id: string, props: GrowthloopStackProps) {
    const { stage, ...stackProps } = props;
    super(scope, id, {
      description: `growthloop marketing automation (${stage})`,
      ...stackProps,
      // With @aws-cdk/core:explicitStackTags the stack itself carries only the tags given here.
      tags: { ...stackProps.tags, [STAGE_TAG]: stage },
    });
    this.stage = stage;
    Tags.of(this).add(STAGE_TAG, stage);
    const deployConfig = loadDeployConfig(this);
    const tenantsJson = JSON.stringify(deployConfig.tenants);

    const { table } = new Storage(this, 'Storage');
    this.events = new EventBus(this, 'Events');
    const { bus } = this.events;
    const routing = new Routing(this, 'Routing', { bus });
    this.routing = routing;
    this.tenantSecrets = new TenantSecrets(this, 'TenantSecrets');

    this.ingest = new Ingest(this, 'Ingest', { bus, tenantsJson });
    const profiles = new Profiles(this, 'Profiles', {
      table,
      queue: routing.queues['profile-updates'],
      bus,
      tenantsJson,
    });
    // The id predates the class name; kept so that the synthesized logical ids do not change.
    const daily = new DailyRun(this, 'Lifecycle', {
      table,
      bus,
      actions: routing.queues.actions,
      actionsDeadLetters: routing.deadLetters.actions,
      tenantsJson,
    });
    this.journeys = new Journeys(this, 'Journeys', {
      table,
      events: routing.queues['journey-events'],
      steps: routing.queues['journey-steps'],
      actions: routing.queues.actions,
      actionsDeadLetters: routing.deadLetters.actions,
      stepsDeadLetters: routing.deadLetters['journey-steps'],
      tenantsJson,
    });
    this.admin = new AdminApi(this, 'AdminApi', {
      table,
      tenantsJson,
      queues: {
        'profile-updates': {
          queue: routing.queues['profile-updates'],
          deadLetters: routing.deadLetters['profile-updates'],
        },
        'journey-events': {
          queue: routing.queues['journey-events'],
          deadLetters: routing.deadLetters['journey-events'],
        },
        actions: { queue: routing.queues.actions, deadLetters: routing.deadLetters.actions },
        loyalty: { queue: routing.queues.loyalty, deadLetters: routing.deadLetters.loyalty },
      },
    });
    const campaigns = new Campaigns(this, 'Campaigns', {
      table,
      bus,
      tenantsJson,
      actions: routing.queues.actions,
      actionsDeadLetters: routing.deadLetters.actions,
    });
    campaigns.grantRunsAndSchedules(this.admin.handler);
    grantTenantRegistry(campaigns.handler.fn, table);
    this.webhooks = new Webhooks(this, 'Webhooks', {
      bus,
      table,
      tenantsJson,
      tenantSecretsArn: this.tenantSecrets.secretArn,
    });
    // Deferred actions share the stage's schedule group with journey timers (their ids differ: `dispatch:...`).
    const timerGroupName = this.journeys.timerGroup.name;
    if (!timerGroupName) throw new Error('the journeys construct names its schedule group');
    this.actions = new Actions(this, 'Actions', {
      table,
      bus,
      actions: routing.queues.actions,
      actionsDeadLetters: routing.deadLetters.actions,
      timerGroupName,
      tenantsJson,
      tenantSecretsArn: this.tenantSecrets.secretArn,
      ...channelSettingsFromContext(this),
    });
    this.loyalty = new Loyalty(this, 'Loyalty', {
      table,
      bus,
      queue: routing.queues.loyalty,
      actions: routing.queues.actions,
      actionsDeadLetters: routing.deadLetters.actions,
      tenantsJson,
    });
    grantTenantRegistry(this.loyalty.handler.fn, table);
    this.groups = new Groups(this, 'Groups', {
      table,
      bus,
      queue: routing.queues.groups,
      deadLetters: routing.deadLetters.groups,
      actions: routing.queues.actions,
      actionsDeadLetters: routing.deadLetters.actions,
      timerGroupName,
      tenantsJson,
    });
    grantTenantRegistry(this.groups.handler.fn, table);
    const { sesConfigurationSet } = channelSettingsFromContext(this);
    this.feedback = new Feedback(this, 'Feedback', {
      table,
      bus,
      tenantsJson,
      ...(sesConfigurationSet ? { sesConfigurationSet } : {}),
    });
    this.tenantErasure = new TenantErasure(this, 'TenantErasure', { table });
    this.segment = new Segment(this, 'Segment', { bus, tenantsJson });
    // The tenant registry: every function that knows tenants reads it; the daily run (like the admin
    // function, which may already) copies the deployed tenants into it.
    for (const fn of [this.ingest.handler.fn, this.segment.handler.fn, profiles.handler.fn])
      grantTenantRegistry(fn, table);
    grantTenantRegistry(daily.handler.fn, table, { write: true });
    // Personal fields travel sealed under per-customer data keys, which this KMS key wraps.
    const dataKeys = new DataKeys(this, 'DataKeys');
    for (const handler of [this.ingest.handler, this.segment.handler]) dataKeys.grantSeal(handler, table);
    dataKeys.grantSeal(this.webhooks.handler);
    for (const handler of [profiles.handler, this.journeys.handler]) dataKeys.grantOpen(handler);
    const http = new HttpApi(this, 'Http', {
      ingest: this.ingest.handler.fn,
      admin: this.admin.handler.fn,
      webhooks: this.webhooks.handler.fn,
      segment: this.segment.handler.fn,
    });

    // Unsubscribe links in marketing messages point at the HTTP API (a tenant's dispatch.publicUrl overrides it).
    this.actions.handler.fn.addEnvironment('GROWTHLOOP_PUBLIC_URL', http.url);
    // The console's files and sign-in (-c consoleUserPool=false: no user pool; -c consoleDist=<dir>: its build).
    this.console = new Console(this, 'Console', {
      apiEndpoint: http.api.apiEndpoint,
      ...consoleSettingsFromContext(this),
    });

    this.observability = new Observability(this, 'Observability', { stage, alertsEmail: deployConfig.alertsEmail });
    this.observability.notifyOf(bus, 'KpiAlerts', { source: [METRICS_SOURCE], detailType: ['kpi.alert'] });
    this.observability.notifyOf(bus, 'CampaignFailures', {
      source: [CAMPAIGNS_SOURCE],
      detailType: ['campaign.failed'],
    });

    new CfnOutput(this, 'ApiUrl', { value: http.url, description: 'Base URL of the growthloop HTTP API' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'The growthloop DynamoDB table' });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName, description: 'The growthloop EventBridge bus' });
    new CfnOutput(this, 'EventBusArn', { value: bus.eventBusArn, description: 'The growthloop EventBridge bus' });
    new CfnOutput(this, 'EventArchiveArn', {
      value: this.events.archive.archiveArn,
      description: 'The archive of every event on the bus (a year), which growthloop export --events --aws replays',
    });
    new CfnOutput(this, 'ExportRuleArn', {
      value: this.events.exportRule.ruleArn,
      description: 'The rule an export replays the archive to',
    });
    new CfnOutput(this, 'ExportQueueUrl', {
      value: this.events.exportQueue.queueUrl,
      description: 'The queue growthloop export --events --aws drains',
    });
    new CfnOutput(this, 'DataKeyArn', { value: dataKeys.key.keyArn, description: 'The KMS key that wraps data keys' });
    new CfnOutput(this, 'TenantSecretsArn', {
      value: this.tenantSecrets.secretArn,
      description:
        "Secret holding the tenants' platform secrets: set it with aws secretsmanager put-secret-value --secret-id <arn> --secret-string file://tenant-secrets.json",
    });
    new CfnOutput(this, 'AlertsTopicArn', {
      value: this.observability.topic.topicArn,
      description: deployConfig.alertsEmail
        ? `SNS topic every alarm notifies; ${deployConfig.alertsEmail} is subscribed (confirm the e-mail AWS sends)`
        : 'SNS topic every alarm notifies; no address is subscribed (set alerts.email in the config or -c alertsEmail=..., or subscribe to it yourself)',
    });
  }
}
