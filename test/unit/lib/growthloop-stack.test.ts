import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../functions/core/config/tenants';
import { SES_DETAIL_TYPES, smsIndexKey } from '../../../functions/core/dispatch/feedback';
import { consumers, INGEST_SOURCE, type QueueName, queues, routes } from '../../../functions/routes';
import { CAMPAIGN_RUN_SUBSTITUTIONS } from '../../../functions/workflows/campaign-run';
import { createGrowthloopApp } from '../../../lib/app';
import { MAX_CONCURRENCY } from '../../../lib/consumers';
import { CUSTOMER_LEADING_KEYS } from '../../../lib/data-keys';
import { FEEDBACK_LEADING_KEYS } from '../../../lib/feedback';
import { HandlerFunction } from '../../../lib/function';
import { DEFAULT_QUEUE_AGE_ALARM, QUEUE_AGE_ALARM } from '../../../lib/observability';
import { Routing, toEventPattern } from '../../../lib/routing';
import { STAGE_TAG, stageFromContext } from '../../../lib/stage';
import { REGISTRY_LEADING_KEYS } from '../../../lib/tenants';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown };
type Violation = { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] };
type ValidationReport = { pluginReports: { pluginName: string; violations: Violation[] }[] };

// Synthesize with the same feature flags the CDK CLI reads from cdk.json.
const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

const tenant = {
  id: 'acme',
  name: 'Acme',
  timezone: 'Europe/Berlin',
  currency: 'EUR',
  apiKey: 'acme-api-key-0123456789abcdef',
  adminKey: 'acme-admin-key-0123456789abcdef',
  secrets: {
    shopifyWebhookSecret: 'shpss_acme-shopify-secret-0123456789',
    shopifyPreviousWebhookSecret: 'shpss_acme-previous-secret-0123456789',
    shopifyPreviousSecretValidUntil: '2030-01-01T00:00:00Z',
    woocommerceWebhookSecret: 'acme-woo-secret-0123456789',
    segmentWriteKey: 'acme-segment-write-key-0123456789',
  },
};

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'growthloop-cdk-'));
}

function writeConfig(config: unknown): string {
  const path = join(tempDir(), 'growthloop.config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

function synth(context: Record<string, unknown>, extend?: (stack: Stack) => void) {
  const outdir = tempDir();
  // No console build unless a test gives one (test/unit/lib/console.test.ts does): whether console/dist was built
  // on this machine changes nothing here.
  const { app, stack } = createGrowthloopApp({
    outdir,
    context: { ...cdkJson.context, consoleDist: join(outdir, 'no-console-build'), ...context },
  });
  extend?.(stack);
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  const artifact = assembly.getStackByName(stack.stackName);
  const templateJson = artifact.template as { Resources: Record<string, Resource> };
  return { stack, artifact, templateJson, template: Template.fromJSON(templateJson), report };
}

const nagErrors = (report: ValidationReport): Violation[] =>
  report.pluginReports
    .filter((r) => r.pluginName === 'AwsSolutions')
    .flatMap((r) => r.violations)
    .filter((v) => v.severity === 'error' || v.severity === 'fatal');

const resourcesOfType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

/** A resource property, typed by the caller (the template shape is checked by the assertions that use it). */
const prop = <T>(resource: Resource | undefined, key: string): T => resource?.Properties?.[key] as T;
const variables = (fn: Resource | undefined) =>
  prop<{ Variables: Record<string, unknown> }>(fn, 'Environment').Variables;

const getAttArn = (value: unknown): string | undefined =>
  (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];

// One full synth (bundling the real handlers, with one configured tenant) shared by the structural tests.
const deployed = synth({ config: writeConfig({ tenants: [tenant] }) });
const resources = deployed.templateJson.Resources;
const [tableId] = resourcesOfType(resources, 'AWS::DynamoDB::Table').map(([id]) => id);
const [busId] = resourcesOfType(resources, 'AWS::Events::EventBus').map(([id]) => id);

const logicalId = (construct: IConstruct): string =>
  deployed.stack.getLogicalId(construct.node.defaultChild as CfnElement);
const { stack } = deployed;
const handlers = {
  ingest: stack.ingest.handler,
  admin: stack.admin.handler,
  webhooks: stack.webhooks.handler,
  segment: stack.segment.handler,
  'tenant-erasure': stack.tenantErasure.handler,
  dispatch: stack.actions.handler,
  feedback: stack.feedback.handler,
};
type HandlerName = keyof typeof handlers;
const functionId = (name: HandlerName) => logicalId(handlers[name].fn);
const secretId = stack.getLogicalId(stack.tenantSecrets.secret);

/** Every statement of the policies attached to a function's role. */
const statementsOf = (name: HandlerName): Statement[] => {
  const roleRef = { Ref: logicalId(handlers[name].role) };
  return resourcesOfType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => prop<unknown[]>(p, 'Roles').some((r) => JSON.stringify(r) === JSON.stringify(roleRef)))
    .flatMap(([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement);
};
const allStatements = (): Statement[] =>
  resourcesOfType(resources, 'AWS::IAM::Policy').flatMap(
    ([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement,
  );
const namesResource = (statement: Statement, id: string) => JSON.stringify(statement.Resource).includes(`"${id}"`);
const actionsOn = (statements: Statement[], id: string): string[] =>
  statements
    .filter((s) => namesResource(s, id))
    .flatMap((s) => [s.Action].flat())
    .sort();

/** The function an HTTP API route invokes, through its integration. */
const routeFunctionId = (route: Resource): string | undefined => {
  const target = prop<{ 'Fn::Join': [string, [string, { Ref: string }]] }>(route, 'Target');
  const integration = resources[target['Fn::Join'][1][1].Ref];
  return getAttArn(prop<unknown>(integration, 'IntegrationUri'));
};

const EXPECTED_ROUTES: Record<string, HandlerName> = {
  'POST /v1/events': 'ingest',
  'GET /v1/customers/{customerId}': 'admin',
  'DELETE /v1/customers/{customerId}': 'admin',
  'GET /v1/customers/{customerId}/export': 'admin',
  'GET /v1/customers/{customerId}/timeline': 'admin',
  'GET /v1/customers/{customerId}/points': 'admin',
  'POST /v1/customers/{customerId}/points/redemptions': 'admin',
  'POST /v1/customers/{customerId}/tier/memberships': 'admin',
  'GET /v1/customers/{customerId}/referral': 'admin',
  'POST /v1/customers/{customerId}/referral/code': 'admin',
  'GET /v1/referrals/review': 'admin',
  'POST /v1/referrals/{friendId}/review': 'admin',
  'GET /v1/outbox': 'admin',
  'GET /v1/model': 'admin',
  'GET /v1/quarantine': 'admin',
  'POST /v1/quarantine/replay': 'admin',
  'POST /v1/journeys': 'admin',
  'POST /v1/journeys/validate': 'admin',
  'POST /v1/journeys/backtest': 'admin',
  'GET /v1/journeys': 'admin',
  'GET /v1/journeys/{journeyId}': 'admin',
  'PUT /v1/journeys/{journeyId}': 'admin',
  'POST /v1/journeys/{journeyId}/publish': 'admin',
  'POST /v1/journeys/{journeyId}/pause': 'admin',
  'POST /v1/journeys/{journeyId}/resume': 'admin',
  'POST /v1/journeys/{journeyId}/archive': 'admin',
  'POST /v1/templates': 'admin',
  'GET /v1/templates': 'admin',
  'GET /v1/templates/{templateId}': 'admin',
  'POST /v1/templates/{templateId}/preview': 'admin',
  'POST /v1/templates/{templateId}/test': 'admin',
  'GET /v1/metrics/kpis': 'admin',
  'GET /v1/metrics/loyalty': 'admin',
  'PUT /v1/campaigns/{campaignId}': 'admin',
  'GET /v1/campaigns': 'admin',
  'GET /v1/campaigns/{campaignId}': 'admin',
  'POST /v1/campaigns/{campaignId}/runs': 'admin',
  'GET /v1/campaigns/{campaignId}/runs/{runId}': 'admin',
  'POST /v1/campaigns/{campaignId}/estimate': 'admin',
  'POST /v1/coupon-pools': 'admin',
  'GET /v1/coupon-pools': 'admin',
  'GET /v1/coupon-pools/{poolId}': 'admin',
  'POST /v1/coupon-pools/{poolId}/codes': 'admin',
  'POST /v1/coupon-pools/{poolId}/generate': 'admin',
  'POST /v1/webhooks/shopify/{tenantId}': 'webhooks',
  'POST /v1/webhooks/woocommerce/{tenantId}': 'webhooks',
  'GET /u/{token}': 'webhooks',
  'POST /u/{token}': 'webhooks',
  'POST /v1/track': 'segment',
  'POST /v1/identify': 'segment',
  'POST /v1/batch': 'segment',
  'POST /v1/segment/{tenantId}/track': 'segment',
  'POST /v1/segment/{tenantId}/identify': 'segment',
  'POST /v1/segment/{tenantId}/batch': 'segment',
  'GET /health': 'admin',
  'GET /openapi.json': 'admin',
};

describe('the growthloop stack', () => {
  it('passes the cdk-nag AwsSolutions checks with no unacknowledged error', () => {
    expect(nagErrors(deployed.report)).toEqual([]);
  });

  it('fails synth when a resource breaks an AwsSolutions rule', () => {
    const outdir = tempDir();
    const { app, stack } = createGrowthloopApp({ outdir, context: { ...cdkJson.context, ...SKIP_BUNDLING } });
    new sqs.Queue(stack, 'UnprotectedQueue');
    expect(() => app.synth()).toThrow(/AwsSolutions/);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
    const failed = nagErrors(report).filter((v) =>
      v.violatingConstructs.some((c) => c.constructPath.startsWith(`${stack.stackName}/UnprotectedQueue`)),
    );
    expect(failed.map((v) => v.ruleName).sort()).toEqual(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']);
  });

  it('keeps the table on demand, point-in-time recoverable, encrypted, expiring items by expiresAt, and retained', () => {
    deployed.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    });
  });

  it('indexes the items due by a day in the sparse "due" index, the buyers in "buyers" and the stages in "audience", projecting keys only', () => {
    deployed.template.hasResourceProperties('AWS::DynamoDB::Table', {
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'dueShard', AttributeType: 'S' },
        { AttributeName: 'dueDay', AttributeType: 'S' },
        { AttributeName: 'buyerShard', AttributeType: 'S' },
        { AttributeName: 'audienceShard', AttributeType: 'S' },
        { AttributeName: 'audienceKey', AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'due',
          KeySchema: [
            { AttributeName: 'dueShard', KeyType: 'HASH' },
            { AttributeName: 'dueDay', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
        {
          IndexName: 'buyers',
          KeySchema: [{ AttributeName: 'buyerShard', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
        {
          IndexName: 'audience',
          KeySchema: [
            { AttributeName: 'audienceShard', KeyType: 'HASH' },
            { AttributeName: 'audienceKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('archives every event on the bus for 365 days', () => {
    deployed.template.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: 365,
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
    });
  });

  it('gives every queue that is not itself a dead-letter queue a redrive policy', () => {
    const queueIds = resourcesOfType(resources, 'AWS::SQS::Queue').map(([id]) => id);
    const deadLetterIds = new Set<string>();
    for (const [, q] of resourcesOfType(resources, 'AWS::SQS::Queue')) {
      const target = getAttArn((q.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown })?.deadLetterTargetArn);
      if (target) deadLetterIds.add(target);
    }
    for (const [, rule] of resourcesOfType(resources, 'AWS::Events::Rule')) {
      for (const target of prop<{ DeadLetterConfig?: { Arn: unknown } }[]>(rule, 'Targets')) {
        const dlq = getAttArn(target.DeadLetterConfig?.Arn);
        if (dlq) deadLetterIds.add(dlq);
      }
    }
    // The export queue is read by `growthloop export` alone (see the archive's test below).
    const exportQueue = logicalId(stack.events.exportQueue);
    const working = queueIds.filter((id) => !deadLetterIds.has(id) && id !== exportQueue);
    expect(working.length).toBe(Object.keys(queues).length);
    for (const id of working) expect(resources[id]?.Properties?.RedrivePolicy, id).toBeDefined();
    for (const id of queueIds) {
      expect(resources[id]?.Properties?.SqsManagedSseEnabled, id).toBe(true);
    }
  });

  it('replays the archive to the export queue only: its rule takes replayed ingested events, never live ones', () => {
    const [, rule] =
      resourcesOfType(resources, 'AWS::Events::Rule').find(([id]) => id.startsWith('EventsExportRule')) ?? [];
    expect(rule?.Properties?.EventPattern).toEqual({ source: [INGEST_SOURCE], 'replay-name': [{ exists: true }] });
    const [target] = prop<{ Arn: unknown }[]>(rule, 'Targets');
    expect(getAttArn(target?.Arn)).toBe(logicalId(stack.events.exportQueue));
    const outputs = deployed.template.toJSON().Outputs as Record<string, unknown>;
    for (const name of ['EventArchiveArn', 'EventBusArn', 'ExportRuleArn', 'ExportQueueUrl', 'DataKeyArn', 'TableName'])
      expect(outputs, name).toHaveProperty(name);
  });

  it('builds the profile-updates queue from the route table definition', () => {
    deployed.template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: queues['profile-updates'].visibilitySeconds,
      RedrivePolicy: { maxReceiveCount: queues['profile-updates'].maxReceiveCount },
    });
  });

  it('sends the KPI alerts of the growthloop bus to the alerts topic, which EventBridge may encrypt for', () => {
    const [, rule] =
      resourcesOfType(resources, 'AWS::Events::Rule').find(([id]) => id.startsWith('ObservabilityKpiAlerts')) ?? [];
    expect(rule?.Properties?.EventPattern).toEqual({ source: ['growthloop.metrics'], 'detail-type': ['kpi.alert'] });
    const [target] = prop<{ Arn: { Ref: string } }[]>(rule, 'Targets');
    expect(target?.Arn.Ref).toBe(logicalId(stack.observability.topic));
    const [, key] =
      resourcesOfType(resources, 'AWS::KMS::Key').find(([id]) => id.startsWith('ObservabilityAlertsKey')) ?? [];
    const principals = prop<{ Statement: { Principal?: { Service?: string } }[] }>(key, 'KeyPolicy').Statement.map(
      (s) => s.Principal?.Service,
    );
    expect(principals).toContain('events.amazonaws.com');
  });

  it('routes ingested events to the profile-updates queue, and only that rule may send to it', () => {
    // The route table's rules; the daily run's per-tenant rule and the SES feedback rule invoke their functions
    // directly, and the KPI alerts rule notifies the alerts topic.
    const patternRules = resourcesOfType(resources, 'AWS::Events::Rule').filter(
      ([id, r]) =>
        r.Properties?.EventPattern &&
        !id.startsWith('Lifecycle') &&
        !id.startsWith('Feedback') &&
        !id.startsWith('Observability') &&
        !id.startsWith('EventsExport'),
    );
    expect(patternRules).toHaveLength(routes.length);
    const [ruleId, rule] = patternRules[0] ?? [];
    expect(rule?.Properties?.EventPattern).toEqual({ source: [INGEST_SOURCE] });
    const [target] = prop<{ Arn: unknown; DeadLetterConfig: unknown; RetryPolicy: unknown }[]>(rule, 'Targets');
    const queueId = getAttArn(target?.Arn);
    expect(queueId).toBeDefined();
    expect(target?.DeadLetterConfig).toBeDefined();
    expect(target?.RetryPolicy).toBeDefined();

    const [, mapping] = resourcesOfType(resources, 'AWS::Lambda::EventSourceMapping')[0] ?? [];
    expect(getAttArn(mapping?.Properties?.EventSourceArn)).toBe(queueId);

    const policy = resourcesOfType(resources, 'AWS::SQS::QueuePolicy').find(
      ([, p]) => prop<{ Ref: string }[]>(p, 'Queues')[0]?.Ref === queueId,
    )?.[1];
    const statements = prop<{ Statement: Record<string, unknown>[] }>(policy, 'PolicyDocument').Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
    });
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('lets the profile function report partial batch failures', () => {
    deployed.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: consumers['profile-updates'].batchSize,
      MaximumBatchingWindowInSeconds: consumers['profile-updates'].batchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs every function on nodejs24.x arm64 with its own log group', () => {
    const functions = resourcesOfType(resources, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(13);
    for (const [id, fn] of functions) {
      expect(fn.Properties?.Runtime, id).toBe('nodejs24.x');
      expect(fn.Properties?.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties?.LoggingConfig, id).toMatchObject({ LogGroup: { Ref: expect.any(String) } });
    }
  });

  it('times the profile function out well before the queue makes its messages visible again', () => {
    deployed.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TABLE_NAME: Match.anyValue() }) },
      Timeout: Match.exact(20),
    });
    expect(20 * 6).toBeLessThanOrEqual(queues['profile-updates'].visibilitySeconds);
  });

  it('never grants a wildcard action or resource in a statement naming the table', () => {
    const statements = resourcesOfType(resources, 'AWS::IAM::Policy').flatMap(
      ([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement,
    );
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(`"${tableId}"`));
    // profiles, admin, webhooks, journeys, dispatch, feedback, tenant erasure, loyalty, groups, and the lifecycle run's
    // and campaign steps' table and index statements, the campaign state machine's, the tenant-registry statements of
    // ingest, Segment, profiles, feedback, loyalty, groups, the lifecycle run and the campaign steps, and the data-key
    // statements of ingest and Segment
    expect(onTable.length).toBe(24);
    for (const statement of onTable) {
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
      expect(JSON.stringify(statement.Resource)).not.toContain('*');
    }
  });

  it('runs the lifecycle function daily at 00:15 UTC; only it may query the due index', () => {
    const [, rule] =
      resourcesOfType(resources, 'AWS::Events::Rule').find(([, r]) => r.Properties?.ScheduleExpression) ?? [];
    expect(rule?.Properties?.ScheduleExpression).toBe('cron(15 0 * * ? *)');
    const [target] = prop<{ Arn: unknown; RetryPolicy: unknown }[]>(rule, 'Targets');
    const [functionId] =
      resourcesOfType(resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('Lifecycle')) ?? [];
    expect(getAttArn(target?.Arn)).toBe(functionId);
    const statements = resourcesOfType(resources, 'AWS::IAM::Policy').flatMap(
      ([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement,
    );
    const onDue = statements.filter((s) => JSON.stringify(s.Resource).includes('/index/due'));
    expect(onDue).toHaveLength(1);
    expect(onDue[0]?.Action).toBe('dynamodb:Query');
    expect(JSON.stringify(onDue[0]?.Resource)).toContain('/index/buyers');
    // The admin function reads the buyers for the KPI report, the campaign steps the audience index (or the buyers when the audience names no stage), and no other index.
    const onIndex = statements.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
    expect(onIndex).toHaveLength(3);
    expect(onIndex.filter((s) => s !== onDue[0]).map((s) => JSON.stringify(s.Resource).match(/\/index\/\w+/g))).toEqual(
      [['/index/buyers'], ['/index/audience', '/index/buyers']],
    );
  });

  it('deploys the campaign run state machine from its ASL file, every placeholder substituted, startable by the admin function', () => {
    const [[machineId, machine] = []] = resourcesOfType(resources, 'AWS::StepFunctions::StateMachine');
    expect(prop<string>(machine, 'StateMachineType')).toBe('STANDARD');
    expect(Object.keys(prop<Record<string, unknown>>(machine, 'DefinitionSubstitutions')).sort()).toEqual(
      [...CAMPAIGN_RUN_SUBSTITUTIONS].sort(),
    );
    expect(JSON.stringify(prop(machine, 'DefinitionString'))).toContain('WaitForAttribution');
    const statements = resourcesOfType(resources, 'AWS::IAM::Policy').flatMap(
      ([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement,
    );
    // The admin function and the role EventBridge Scheduler takes for the campaigns' schedules.
    const starts = statements.filter((s) => [s.Action].flat().includes('states:StartExecution'));
    expect(starts).toHaveLength(2);
    for (const start of starts) expect(JSON.stringify(start.Resource)).toContain(machineId);
    const [, admin] =
      resourcesOfType(resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('AdminApi')) ?? [];
    const environment = JSON.stringify(prop(admin, 'Environment'));
    for (const name of ['CAMPAIGN_STATE_MACHINE_ARN', 'CAMPAIGN_SCHEDULE_GROUP', 'CAMPAIGN_SCHEDULER_ROLE_ARN'])
      expect(environment).toContain(name);
  });

  it("keeps the campaigns' schedules in a group of their own, which only the admin function may change", () => {
    const groups = resourcesOfType(resources, 'AWS::Scheduler::ScheduleGroup').map(([, g]) => prop<string>(g, 'Name'));
    expect(groups).toContain('growthloop-dev-campaigns');
    const statements = resourcesOfType(resources, 'AWS::IAM::Policy').flatMap(
      ([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement,
    );
    const changes = statements.filter((s) => [s.Action].flat().includes('scheduler:UpdateSchedule'));
    expect(changes).toHaveLength(1);
    expect([changes[0]?.Action].flat().sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    expect(JSON.stringify(changes[0]?.Resource)).toContain('schedule/growthloop-dev-campaigns/*');
  });

  it('runs each tenant of the daily run in an invocation of its own, from one bus event per tenant', () => {
    const [functionId] =
      resourcesOfType(resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('Lifecycle')) ?? [];
    const [, rule] =
      resourcesOfType(resources, 'AWS::Events::Rule').find(
        ([id, r]) => id.startsWith('Lifecycle') && r.Properties?.EventPattern,
      ) ?? [];
    expect(rule?.Properties?.EventPattern).toEqual({
      source: ['growthloop.daily'],
      'detail-type': ['daily-run.tenant_due'],
    });
    const [target] = prop<{ Arn: unknown; InputTransformer: { InputPathsMap: unknown; InputTemplate: string } }[]>(
      rule,
      'Targets',
    );
    expect(getAttArn(target?.Arn)).toBe(functionId);
    expect(target?.InputTransformer.InputPathsMap).toEqual({ 'detail-tenantId': '$.detail.tenantId' });
    expect(JSON.parse(target?.InputTransformer.InputTemplate.replace('<detail-tenantId>', '"acme"') ?? '')).toEqual({
      tenantIds: ['acme'],
    });
  });

  it('feeds the journey function from the journey queues, lets it create schedules only, and lets Scheduler send only journey timers', () => {
    const journeys = stack.journeys;
    const fnId = logicalId(journeys.handler.fn);
    const mappings = resourcesOfType(resources, 'AWS::Lambda::EventSourceMapping').filter(([, m]) =>
      JSON.stringify(prop(m, 'FunctionName')).includes(fnId),
    );
    const queueIds = (name: string) =>
      resourcesOfType(resources, 'AWS::SQS::Queue')
        .map(([id]) => id)
        .filter((id) => id.startsWith(`Routing${name.replace(/-/g, '')}`));
    expect(mappings.map(([, m]) => getAttArn(prop(m, 'EventSourceArn'))).sort()).toEqual(
      [...queueIds('journeyevents'), ...queueIds('journeysteps')].filter((id) => !id.includes('dlq')).sort(),
    );
    for (const [, m] of mappings) expect(prop(m, 'FunctionResponseTypes')).toEqual(['ReportBatchItemFailures']);
    const roleRef = { Ref: logicalId(journeys.handler.role) };
    const statements = resourcesOfType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => prop<unknown[]>(p, 'Roles').some((r) => JSON.stringify(r) === JSON.stringify(roleRef)))
      .flatMap(([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement);
    const scheduler = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('scheduler:')));
    expect(scheduler.map((s) => s.Action)).toEqual(['scheduler:CreateSchedule']);
    expect(JSON.stringify(scheduler[0]?.Resource)).not.toContain(':schedule/default/*');
    // The stage's own schedule group, named to the function, which may create schedules in it.
    const [, group] = resourcesOfType(resources, 'AWS::Scheduler::ScheduleGroup')[0] ?? [];
    expect(prop<string>(group, 'Name')).toBe(`${stack.stackName}-timers`);
    expect(JSON.stringify(scheduler[0]?.Resource)).toContain(`:schedule/${stack.stackName}-timers/*`);
    expect(variables(resources[fnId]).SCHEDULE_GROUP).toBe(`${stack.stackName}-timers`);
    const passRole = statements.find((s) => s.Action === 'iam:PassRole');
    expect(passRole?.Resource).toEqual({ 'Fn::GetAtt': [logicalId(journeys.schedulerRole), 'Arn'] });
    const trust = prop<{ Statement: Record<string, unknown>[] }>(
      resources[logicalId(journeys.schedulerRole)],
      'AssumeRolePolicyDocument',
    ).Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': expect.anything() } },
      }),
    ]);
    const env = variables(resources[fnId]);
    expect(Object.keys(env).sort()).toEqual(
      expect.arrayContaining([
        'QUEUE_URLS',
        'SCHEDULER_DLQ_ARN',
        'SCHEDULER_ROLE_ARN',
        'TIMER_QUEUE_ARNS',
        'TIMER_QUEUE_URLS',
      ]),
    );
  });

  it('attaches no AWS managed policy to any role', () => {
    for (const [id, role] of resourcesOfType(resources, 'AWS::IAM::Role')) {
      expect(role.Properties?.ManagedPolicyArns, id).toBeUndefined();
    }
  });

  it('serves POST /v1/events and GET /v1/customers/{customerId} with access logs and throttling', () => {
    deployed.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/events' });
    deployed.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /v1/customers/{customerId}' });
    deployed.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
    });
  });

  it('outputs the API URL, table name and bus name', () => {
    deployed.template.hasOutput('ApiUrl', {});
    deployed.template.hasOutput('TableName', {});
    deployed.template.hasOutput('EventBusName', {});
  });

  it('deploys tenant key hashes, never the keys', () => {
    const expected = JSON.stringify([
      {
        id: tenant.id,
        timezone: tenant.timezone,
        currency: tenant.currency,
        apiKeySha256: sha256(tenant.apiKey),
        adminKeySha256: sha256(tenant.adminKey),
        segmentWriteKeySha256: sha256(tenant.secrets.segmentWriteKey),
      },
    ]);
    // Every function but the tenant-erasure worker, which works from its jobs in the table, knows the tenants.
    for (const [id, fn] of resourcesOfType(resources, 'AWS::Lambda::Function')) {
      if (id.startsWith('TenantErasure')) expect(variables(fn).GROWTHLOOP_TENANTS, id).toBeUndefined();
      else expect(variables(fn).GROWTHLOOP_TENANTS, id).toBe(expected);
    }
    const everything = JSON.stringify(deployed.templateJson);
    expect(everything).not.toContain(tenant.apiKey);
    expect(everything).not.toContain(tenant.adminKey);
  });

  it("points the dispatch function's unsubscribe links at the HTTP API", () => {
    const url = JSON.stringify(variables(resources[functionId('dispatch')]).GROWTHLOOP_PUBLIC_URL);
    const [apiId] = resourcesOfType(resources, 'AWS::ApiGatewayV2::Api').map(([id]) => id);
    expect(url).toContain(`"Ref":"${apiId}"`);
    expect(url).toContain('https://');
  });

  it('outputs the tenant-secrets ARN', () => {
    deployed.template.hasOutput('TenantSecretsArn', { Value: { Ref: secretId } });
  });
});

describe('the HTTP API routes', () => {
  const routesByKey = new Map(
    resourcesOfType(resources, 'AWS::ApiGatewayV2::Route').map(([, r]) => [prop<string>(r, 'RouteKey'), r]),
  );

  it('serves exactly the growthloop routes', () => {
    expect([...routesByKey.keys()].sort()).toEqual(Object.keys(EXPECTED_ROUTES).sort());
  });

  it.each(Object.entries(EXPECTED_ROUTES))('sends %s to the %s function', (routeKey, name) => {
    const route = routesByKey.get(routeKey);
    expect(route, routeKey).toBeDefined();
    expect(routeFunctionId(route as Resource)).toBe(functionId(name));
  });

  it.each(Object.entries(EXPECTED_ROUTES))('lets API Gateway invoke the function for %s', (routeKey) => {
    const [method, path] = routeKey.split(' ') as [string, string];
    const target = routeFunctionId(routesByKey.get(routeKey) as Resource);
    const permission = resourcesOfType(resources, 'AWS::Lambda::Permission').find(
      ([, p]) =>
        getAttArn(prop<unknown>(p, 'FunctionName')) === target &&
        JSON.stringify(prop<unknown>(p, 'SourceArn')).includes(`/*/*${path}"`),
    );
    expect(permission, `${method} ${path}`).toBeDefined();
    expect(prop<string>(permission?.[1], 'Principal')).toBe('apigateway.amazonaws.com');
  });
});

describe('the function permissions', () => {
  it('lets the admin function read, query, delete and put on the table, and nothing else there', () => {
    expect(actionsOn(statementsOf('admin'), tableId as string)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
  });

  it('lets the admin function send to the queues messages are parked from (replays) and to actions (test sends)', () => {
    const queues = ['profile-updates', 'journey-events', 'actions'] as const;
    const urls = JSON.parse(JSON.stringify(variables(resources[functionId('admin')]).QUEUE_URLS));
    for (const name of queues) {
      const queueId = logicalId(stack.routing.queues[name]);
      expect(actionsOn(statementsOf('admin'), queueId), name).toContain('sqs:SendMessage');
      expect(JSON.stringify(urls), name).toContain(queueId);
    }
  });

  it('lets the webhooks function read and write order index items, query and delete, and never scan', () => {
    expect(actionsOn(statementsOf('webhooks'), tableId as string)).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
  });

  it('lets the tenant-erasure worker scan the table, on a 15-minute schedule', () => {
    // The other scan: the daily run's one-time backfill of the buyer index.
    const scans = allStatements().filter((s) => [s.Action].flat().includes('dynamodb:Scan'));
    expect(scans).toHaveLength(2);
    expect(actionsOn(statementsOf('tenant-erasure'), tableId as string)).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
    ]);
    const [fnId] =
      resourcesOfType(resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('TenantErasure')) ?? [];
    const [, rule] =
      resourcesOfType(resources, 'AWS::Events::Rule').find(
        ([, r]) => r.Properties?.ScheduleExpression === 'rate(15 minutes)',
      ) ?? [];
    const [target] = prop<{ Arn: unknown }[]>(rule, 'Targets');
    expect(getAttArn(target?.Arn)).toBe(fnId);
    expect(prop<number>(resources[fnId as string], 'Timeout')).toBe(900);
  });

  it('lets only the webhooks and dispatch functions read secrets, and only the tenant-secrets secret', () => {
    const secretStatements = allStatements().filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('secretsmanager:')),
    );
    const read = { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: secretId } };
    expect(secretStatements).toEqual([read, read]);
    expect(statementsOf('webhooks')).toContainEqual(read);
    expect(statementsOf('dispatch')).toContainEqual(read);
  });

  it.each(['ingest', 'webhooks', 'segment'] as const)('lets the %s function put events on the bus only', (name) => {
    const putEvents = statementsOf(name).filter((s) => [s.Action].flat().includes('events:PutEvents'));
    expect(putEvents).toEqual([
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } },
    ]);
  });

  it.each(['ingest', 'segment'] as const)(
    "lets the %s function read the tenant registry items and read and create customers' data keys only, and no secret",
    (name) => {
      const statements = statementsOf(name).filter((s) => namesResource(s, tableId as string));
      const condition = (s: Statement) => (s as Statement & { Condition?: unknown }).Condition;
      expect(statements.map((s) => ({ actions: [s.Action].flat().sort(), condition: condition(s) }))).toEqual([
        {
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': REGISTRY_LEADING_KEYS } },
        },
        {
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': CUSTOMER_LEADING_KEYS } },
        },
      ]);
      expect(actionsOn(statementsOf(name), secretId)).toEqual([]);
    },
  );
});

/** Whether an IAM StringLike pattern (`*` any run, `?` one character) matches `value`. */
const stringLike = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);

describe('provider feedback', () => {
  const fnId = functionId('feedback');
  const dlqArn = { 'Fn::GetAtt': [logicalId(stack.feedback.deadLetters), 'Arn'] };
  const topicId = logicalId(stack.feedback.smsInbound);
  const sesRules = (res: Record<string, Resource>) =>
    resourcesOfType(res, 'AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(prop(r, 'EventPattern') ?? {}).includes('"aws.ses"'),
    );

  it('takes the SES sending events it acts on from the default bus, undeliverable ones to its dead-letter queue', () => {
    const rules = sesRules(resources);
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] as [string, Resource];
    expect(prop(rule, 'EventBusName')).toBeUndefined();
    expect(prop(rule, 'EventPattern')).toEqual({ source: ['aws.ses'], 'detail-type': [...SES_DETAIL_TYPES.keys()] });
    const [target] = prop<{ Arn: unknown; DeadLetterConfig: { Arn: unknown } }[]>(rule, 'Targets');
    expect(getAttArn(target?.Arn)).toBe(fnId);
    expect(target?.DeadLetterConfig.Arn).toEqual(dlqArn);
  });

  it('takes only the events of the configured SES configuration set, and tells the function its name', () => {
    const { templateJson, stack: configured } = synth({
      ...SKIP_BUNDLING,
      config: writeConfig({ tenants: [tenant] }),
      sesConfigurationSet: 'growthloop-events',
    });
    const [, rule] = sesRules(templateJson.Resources)[0] ?? [];
    expect(prop(rule, 'EventPattern')).toMatchObject({
      detail: { mail: { tags: { 'ses:configuration-set': ['growthloop-events'] } } },
    });
    const fn =
      templateJson.Resources[configured.getLogicalId(configured.feedback.handler.fn.node.defaultChild as CfnElement)];
    expect(variables(fn).SES_CONFIGURATION_SET).toBe('growthloop-events');
  });

  it('takes SMS replies from an encrypted topic that only End User Messaging of this account may publish to', () => {
    const topic = resources[topicId];
    expect(getAttArn(prop(topic, 'KmsMasterKeyId'))).toBeDefined();
    const [, policy] =
      resourcesOfType(resources, 'AWS::SNS::TopicPolicy').find(
        ([, p]) => JSON.stringify(prop(p, 'Topics')) === JSON.stringify([{ Ref: topicId }]),
      ) ?? [];
    const allows = prop<{ Statement: Record<string, unknown>[] }>(policy, 'PolicyDocument').Statement.filter(
      (s) => s.Effect === 'Allow',
    );
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'sms-voice.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const subscriptions = resourcesOfType(resources, 'AWS::SNS::Subscription').filter(
      ([, sub]) => JSON.stringify(prop(sub, 'TopicArn')) === JSON.stringify({ Ref: topicId }),
    );
    expect(subscriptions.map(([, sub]) => sub.Properties)).toEqual([
      {
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': [fnId, 'Arn'] },
        TopicArn: { Ref: topicId },
        RedrivePolicy: { deadLetterTargetArn: dlqArn },
      },
    ]);
    deployed.template.hasOutput('SmsInboundTopicArn', { Value: { Ref: topicId } });
  });

  it('retries a failed invocation twice, then puts it in its dead-letter queue', () => {
    deployed.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: dlqArn } },
    });
  });

  it("lets the feedback function read and write only send records, the SMS index and journeys' counters, and put events on the bus", () => {
    const statements = statementsOf('feedback').filter((s) => namesResource(s, tableId as string));
    const condition = (s: Statement) => (s as Statement & { Condition?: unknown }).Condition;
    expect(statements.map((s) => ({ actions: [s.Action].flat().sort(), condition: condition(s) }))).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': FEEDBACK_LEADING_KEYS } },
      },
      {
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': REGISTRY_LEADING_KEYS } },
      },
    ]);
    for (const key of ['acme#C#c-9', smsIndexKey('msg-1').pk, 'acme#JSTATS'])
      expect(
        FEEDBACK_LEADING_KEYS.some((pattern) => stringLike(pattern, key)),
        key,
      ).toBe(true);
    expect(
      FEEDBACK_LEADING_KEYS.some((pattern) => stringLike(pattern, 'TENANTS')),
      'TENANTS',
    ).toBe(false);
    expect(statementsOf('feedback').filter((s) => [s.Action].flat().includes('events:PutEvents'))).toEqual([
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } },
    ]);
  });

  it('lets dispatch put the SMS index item of each SMS it sends', () => {
    const puts = statementsOf('dispatch').filter(
      (s) => namesResource(s, tableId as string) && [s.Action].flat().includes('dynamodb:PutItem'),
    );
    expect(puts.length).toBeGreaterThan(0);
    const allowsIndex = (s: Statement) => {
      const leading = (s as { Condition?: Record<string, Record<string, string[]>> }).Condition?.[
        'ForAllValues:StringLike'
      ]?.['dynamodb:LeadingKeys'];
      return leading === undefined || leading.some((pattern) => stringLike(pattern, smsIndexKey('msg-1').pk));
    };
    expect(puts.some(allowsIndex)).toBe(true);
  });
});

describe('the webhooks function', () => {
  const fn = resources[functionId('webhooks')];

  it('has 30 s to erase a tenant on shop/redact, with 512 MB', () => {
    expect(prop<number>(fn, 'Timeout')).toBe(30);
    expect(prop<number>(fn, 'MemorySize')).toBe(512);
  });

  it('knows the bus, the table, the tenants and the tenant-secrets ARN', () => {
    expect(variables(fn)).toMatchObject({
      EVENT_BUS_NAME: { Ref: busId },
      TABLE_NAME: { Ref: tableId },
      GROWTHLOOP_TENANTS: expect.any(String),
      TENANT_SECRETS_ARN: { Ref: secretId },
    });
  });
});

describe('the tenant secrets', () => {
  it('are one retained secret created without a value, so the template holds no secret', () => {
    const secrets = resourcesOfType(resources, 'AWS::SecretsManager::Secret');
    expect(secrets.map(([id]) => id)).toEqual([secretId]);
    const [, secret] = secrets[0] as [string, Resource & { DeletionPolicy?: string; UpdateReplacePolicy?: string }];
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(secret.UpdateReplacePolicy).toBe('Retain');
    expect(secret.Properties).not.toHaveProperty('SecretString');
    expect(secret.Properties).not.toHaveProperty('GenerateSecretString');
    expect(prop<string>(secret, 'Description')).toMatch(/put-secret-value/);
  });

  it('never appear in the template, not even as a dynamic reference a function would resolve at deploy', () => {
    const everything = JSON.stringify(deployed.templateJson);
    for (const value of Object.values(tenant.secrets)) {
      if (value !== tenant.secrets.shopifyPreviousSecretValidUntil) expect(everything).not.toContain(value);
    }
    expect(everything).not.toContain('{{resolve:secretsmanager');
  });
});

describe('the tenant config', () => {
  it('synthesizes with no tenant and a warning when the config file does not exist', () => {
    const { stack, templateJson } = synth({ ...SKIP_BUNDLING, config: join(tempDir(), 'missing.json') });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('accept no tenant'));
    for (const [id, fn] of resourcesOfType(templateJson.Resources, 'AWS::Lambda::Function')) {
      if (!id.startsWith('TenantErasure')) expect(variables(fn).GROWTHLOOP_TENANTS).toBe('[]');
    }
  });

  it('fails synth with the offending field when the config is invalid', () => {
    const config = writeConfig({ tenants: [{ ...tenant, apiKey: 'short' }] });
    expect(() => synth({ ...SKIP_BUNDLING, config })).toThrow(/\$\.tenants\[0\]\.apiKey/);
  });
});

describe('route patterns', () => {
  it('match exact values as strings and prefixes as {prefix}', () => {
    expect(toEventPattern({ source: ['shopify', { prefix: 'growthloop.' }], 'detail-type': ['order_placed'] })).toEqual(
      {
        source: ['shopify', { prefix: 'growthloop.' }],
        detailType: ['order_placed'],
      },
    );
  });

  it('render prefix patterns into the EventBridge rule', () => {
    const stack = new Stack(new App(), 'routing');
    new Routing(stack, 'Routing', {
      bus: new events.EventBus(stack, 'Bus'),
      queues: { q: { visibilitySeconds: 30, maxReceiveCount: 3 } },
      routes: [{ name: 'lifecycle', pattern: { 'detail-type': [{ prefix: 'lifecycle.' }, 'identify'] }, queue: 'q' }],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': [{ prefix: 'lifecycle.' }, 'identify'] },
    });
  });
});

type Alarm = {
  AlarmName: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: unknown }[];
  Statistic: string;
  Threshold: number;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
};

const alarmsIn = (res: Record<string, Resource>): Alarm[] =>
  resourcesOfType(res, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Alarm);

/** The alarms on a metric with a dimension naming the resource (by Ref or Fn::GetAtt). */
const alarmsOn = (res: Record<string, Resource>, metricName: string, id: string): Alarm[] =>
  alarmsIn(res).filter(
    (a) => a.MetricName === metricName && a.Dimensions.some((d) => JSON.stringify(d.Value).includes(`"${id}"`)),
  );

/**
 * The queues the template itself names as dead-letter queues: a queue's ARN anywhere under a key such as
 * RedrivePolicy.deadLetterTargetArn, a rule target's DeadLetterConfig, or a function's SCHEDULER_DLQ_ARN.
 */
function deadLetterQueueIds(res: Record<string, Resource>): Set<string> {
  const queueIds = new Set(resourcesOfType(res, 'AWS::SQS::Queue').map(([id]) => id));
  const found = new Set<string>();
  const visit = (value: unknown, underDeadLetterKey: boolean): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v, underDeadLetterKey);
    } else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'Fn::GetAtt' && underDeadLetterKey && Array.isArray(v) && queueIds.has(v[0])) found.add(v[0]);
        visit(v, underDeadLetterKey || /dead.?letter|dlq/i.test(key));
      }
    }
  };
  for (const r of Object.values(res)) visit(r.Properties, false);
  return found;
}

const policyStatements = (res: Record<string, Resource>, roleId: string | undefined): Statement[] =>
  resourcesOfType(res, 'AWS::IAM::Policy')
    .filter(([, p]) => prop<unknown[]>(p, 'Roles').some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap(([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement);

describe('the alarms', () => {
  const queueIds = resourcesOfType(resources, 'AWS::SQS::Queue').map(([id]) => id);
  const deadLetters = deadLetterQueueIds(resources);
  const functionIds = resourcesOfType(resources, 'AWS::Lambda::Function').map(([id]) => id);
  const stageIds = resourcesOfType(resources, 'AWS::ApiGatewayV2::Stage').map(([id]) => id);
  const topicId = logicalId(stack.observability.topic);

  it('go off on every dead-letter queue as soon as one message is visible in it', () => {
    // One per queue (redrive), one per EventBridge rule target (undelivered events), and the feedback function's.
    expect(deadLetters.size).toBe(Object.keys(queues).length + routes.length + 1);
    expect(deadLetters).toContain(logicalId(stack.feedback.deadLetters));
    for (const id of deadLetters) {
      const alarms = alarmsOn(resources, 'ApproximateNumberOfMessagesVisible', id);
      expect(alarms, id).toHaveLength(1);
      expect(alarms[0], id).toMatchObject({
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
      });
    }
  });

  it('go off when the oldest message of a work queue is older than that queue allows', () => {
    const workQueues = queueIds.filter((id) => !deadLetters.has(id) && id !== logicalId(stack.events.exportQueue));
    expect(workQueues).toHaveLength(Object.keys(queues).length);
    for (const name of Object.keys(queues) as QueueName[]) {
      const id = logicalId(stack.routing.queues[name]);
      expect(workQueues).toContain(id);
      const alarms = alarmsOn(resources, 'ApproximateAgeOfOldestMessage', id);
      expect(alarms, name).toHaveLength(1);
      expect(alarms[0]?.Threshold, name).toBe(QUEUE_AGE_ALARM[name].toSeconds());
      expect(alarms[0]?.Statistic, name).toBe('Maximum');
    }
    for (const id of deadLetters) expect(alarmsOn(resources, 'ApproximateAgeOfOldestMessage', id), id).toEqual([]);
  });

  it.each(Object.keys(queues) as QueueName[])(
    'let the oldest message of %s outlast three receives before its age alarm goes off',
    (name) => {
      // SQS leaves a message out of the age after three receives; before that its retries count.
      expect(QUEUE_AGE_ALARM[name].toSeconds()).toBeGreaterThan(3 * queues[name].visibilitySeconds);
    },
  );

  it("go off on every function's errors and throttles", () => {
    expect(functionIds.length).toBeGreaterThan(0);
    for (const id of functionIds) {
      for (const metric of ['Errors', 'Throttles']) {
        const alarms = alarmsOn(resources, metric, id);
        expect(alarms, `${id} ${metric}`).toHaveLength(1);
        expect(alarms[0], `${id} ${metric}`).toMatchObject({
          Namespace: 'AWS/Lambda',
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
        expect(alarms[0]?.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: id } }]);
      }
    }
  });

  it("go off on the HTTP API's 5xx answers", () => {
    const [apiId] = resourcesOfType(resources, 'AWS::ApiGatewayV2::Api').map(([id]) => id);
    const alarms = alarmsIn(resources).filter((a) => a.Namespace === 'AWS/ApiGateway');
    expect(alarms).toHaveLength(stageIds.length);
    expect(alarms[0]).toMatchObject({ MetricName: '5xx', Statistic: 'Sum', Threshold: 1 });
    expect(alarms[0]?.Dimensions).toHaveLength(2);
    expect(alarms[0]?.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'ApiId', Value: { Ref: apiId } },
        { Name: 'Stage', Value: '$default' },
      ]),
    );
  });

  it('all notify the one alerts topic, treat missing data as not breaching, and are named after the stack', () => {
    // The other topic takes SMS replies (lib/feedback.ts), not alarms.
    expect(
      resourcesOfType(resources, 'AWS::SNS::Topic')
        .map(([id]) => id)
        .sort(),
    ).toEqual([topicId, logicalId(stack.feedback.smsInbound)].sort());
    const alarms = alarmsIn(resources);
    // Nothing but the alarms above: one per queue, two per function, one per API stage.
    expect(alarms).toHaveLength(queueIds.length + 2 * functionIds.length + stageIds.length);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions, alarm.AlarmName).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions, alarm.AlarmName).toEqual([{ Ref: topicId }]);
      expect(alarm.TreatMissingData, alarm.AlarmName).toBe('notBreaching');
      // The topic policy lets only alarms named growthloop-<stage>-* publish.
      expect(alarm.AlarmName.startsWith(`${stack.stackName}-`), alarm.AlarmName).toBe(true);
    }
  });

  it('give a queue and a function added to the stack after it is built their alarms too', () => {
    const added: { queue?: sqs.Queue; deadLetters?: sqs.Queue; fn?: HandlerFunction } = {};
    const later = synth({ ...SKIP_BUNDLING, config: writeConfig({ tenants: [tenant] }) }, (s) => {
      added.deadLetters = new sqs.Queue(s, 'LaterDlq', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      added.queue = new sqs.Queue(s, 'Later', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: added.deadLetters, maxReceiveCount: 3 },
      });
      added.fn = new HandlerFunction(s, 'LaterFunction', {
        entry: 'functions/handlers/ingest.ts',
        description: 'added later',
        environment: {},
        timeout: Duration.seconds(3),
      });
    });
    const id = (c: IConstruct) => later.stack.getLogicalId(c.node.defaultChild as CfnElement);
    const res = later.templateJson.Resources;
    expect(alarmsOn(res, 'ApproximateNumberOfMessagesVisible', id(added.deadLetters!))).toHaveLength(1);
    const [age] = alarmsOn(res, 'ApproximateAgeOfOldestMessage', id(added.queue!));
    expect(age?.Threshold).toBe(DEFAULT_QUEUE_AGE_ALARM.toSeconds());
    expect(alarmsOn(res, 'Errors', id(added.fn!.fn))).toHaveLength(1);
    expect(alarmsOn(res, 'Throttles', id(added.fn!.fn))).toHaveLength(1);
    expect(nagErrors(later.report)).toEqual([]);
  });
});

describe('the alerts topic', () => {
  const topicId = logicalId(stack.observability.topic);
  const topic = resources[topicId];

  it('is encrypted with a rotating key of its own that CloudWatch may use', () => {
    const keyId = getAttArn(prop(topic, 'KmsMasterKeyId'));
    const key = resources[keyId as string];
    expect(key?.Type).toBe('AWS::KMS::Key');
    expect(prop(key, 'EnableKeyRotation')).toBe(true);
    expect(prop<{ Statement: unknown[] }>(key, 'KeyPolicy').Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it("refuses publishing without TLS and lets this stack's alarms publish", () => {
    const [, policy] =
      resourcesOfType(resources, 'AWS::SNS::TopicPolicy').find(
        ([, p]) => JSON.stringify(prop(p, 'Topics')) === JSON.stringify([{ Ref: topicId }]),
      ) ?? [];
    const statements = prop<{ Statement: Record<string, unknown>[] }>(policy, 'PolicyDocument').Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const allow = statements.find((s) => s.Effect === 'Allow');
    expect(allow).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(JSON.stringify(allow?.Condition)).toContain(`:alarm:${stack.stackName}-*`);
  });

  it('has no subscription when no address is configured, and its ARN is an output', () => {
    const onAlerts = resourcesOfType(resources, 'AWS::SNS::Subscription').filter(
      ([, sub]) => JSON.stringify(prop(sub, 'TopicArn')) === JSON.stringify({ Ref: topicId }),
    );
    expect(onAlerts).toEqual([]);
    deployed.template.hasOutput('AlertsTopicArn', { Value: { Ref: topicId } });
  });

  it("subscribes the config's alerts.email, which -c alertsEmail overrides", () => {
    const config = writeConfig({ tenants: [tenant], alerts: { email: 'ops@acme.example' } });
    for (const [context, email] of [
      [{ config }, 'ops@acme.example'],
      [{ config, alertsEmail: 'oncall@acme.example' }, 'oncall@acme.example'],
      [{ config: writeConfig({ tenants: [tenant] }), alertsEmail: 'oncall@acme.example' }, 'oncall@acme.example'],
    ] as const) {
      const { template, templateJson, stack } = synth({ ...SKIP_BUNDLING, ...context });
      const id = stack.getLogicalId(stack.observability.topic.node.defaultChild as CfnElement);
      const subscriptions = resourcesOfType(templateJson.Resources, 'AWS::SNS::Subscription').filter(
        ([, sub]) => prop(sub, 'Protocol') !== 'lambda',
      );
      expect(subscriptions).toHaveLength(1);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: id },
      });
    }
  });

  it('fails synth on an alerts address that is not one, from the config or the context', () => {
    const bad = writeConfig({ tenants: [tenant], alerts: { email: 'not-an-address' } });
    expect(() => synth({ ...SKIP_BUNDLING, config: bad })).toThrow(/\$\.alerts\.email/);
    const config = writeConfig({ tenants: [tenant] });
    expect(() => synth({ ...SKIP_BUNDLING, config, alertsEmail: 'not-an-address' })).toThrow(/alertsEmail/);
  });
});

describe('tracing', () => {
  it.each(resourcesOfType(resources, 'AWS::Lambda::Function').map(([id]) => id))(
    'traces %s actively, allowed to send traces and nothing more on "*"',
    (id) => {
      const fn = resources[id];
      expect(prop(fn, 'TracingConfig')).toEqual({ Mode: 'Active' });
      const statements = policyStatements(resources, getAttArn(prop(fn, 'Role')));
      const onEverything = statements.filter((s) => s.Resource === '*');
      expect(onEverything).toEqual([
        { Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' },
      ]);
    },
  );

  it('still fails synth on any other grant on "*": the X-Ray acknowledgement covers only its own policy', () => {
    expect(() =>
      synth({ ...SKIP_BUNDLING, config: writeConfig({ tenants: [tenant] }) }, (s) => {
        (s as typeof stack).ingest.handler.role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] }),
        );
      }),
    ).toThrow(/AwsSolutions-IAM5/);
  });
});

describe('the queue consumers', () => {
  const queueNames = new Map(
    (Object.keys(queues) as QueueName[]).map((name) => [logicalId(stack.routing.queues[name]), name]),
  );

  it('each have a concurrency cap, the one set for their queue', () => {
    const mappings = resourcesOfType(resources, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(Object.keys(consumers).length);
    for (const [id, mapping] of mappings) {
      const name = queueNames.get(getAttArn(prop(mapping, 'EventSourceArn')) as string);
      expect(name, id).toBeDefined();
      const cap = prop<{ MaximumConcurrency?: number } | undefined>(mapping, 'ScalingConfig')?.MaximumConcurrency;
      expect(cap, id).toBe(MAX_CONCURRENCY[name as QueueName]);
    }
  });

  it('are capped within what SQS event sources accept (2 to 1,000)', () => {
    for (const cap of Object.values(MAX_CONCURRENCY)) {
      expect(cap).toBeGreaterThanOrEqual(2);
      expect(cap).toBeLessThanOrEqual(1000);
    }
  });
});

/** Properties that name a resource inside another one (a role's inline policy, an API's stage), not account-wide. */
const SCOPED_NAMES = new Set([
  'PolicyName',
  'StageName',
  'DisplayName',
  'MetricName',
  'IndexName',
  'AttributeName',
  // A user pool's groups (the roles' names, which the tokens carry) and app clients.
  'GroupName',
  'ClientName',
]);
const explicitNames = (res: Record<string, Resource>): string[] =>
  Object.values(res).flatMap((r) =>
    Object.entries(r.Properties ?? {})
      .filter(([key, value]) => key.endsWith('Name') && !SCOPED_NAMES.has(key) && typeof value === 'string')
      .map(([, value]) => value as string),
  );

describe('stages', () => {
  const prod = synth({ ...SKIP_BUNDLING, stage: 'prod', config: writeConfig({ tenants: [tenant] }) });

  it('name the stack growthloop-<stage>, growthloop-dev when no stage is given', () => {
    expect(cdkJson.context.stage).toBeUndefined();
    expect(stack.stackName).toBe('growthloop-dev');
    expect(prod.stack.stackName).toBe('growthloop-prod');
    expect(prod.artifact.stackName).toBe('growthloop-prod');
  });

  it.each(['Prod', 'pro_d', 'pr od', 'pröd', 'a'.repeat(17)])('refuse the stage %j', (stage) => {
    expect(() => stageFromContext(new App({ context: { stage } }))).toThrow(/invalid stage/);
  });

  it('accept 1 to 16 lower-case letters, digits and dashes', () => {
    for (const stage of ['a', 'prod', 'staging-2', 'x'.repeat(16)]) {
      expect(stageFromContext(new App({ context: { stage } }))).toBe(stage);
    }
    expect(() => createGrowthloopApp({ outdir: tempDir(), context: { stage: 'Prod' } })).toThrow(/invalid stage/);
  });

  it('tag the stack and every resource that takes tags with growthloop:stage', () => {
    expect(prod.artifact.tags).toMatchObject({ [STAGE_TAG]: 'prod' });
    const tagged = Object.entries(prod.templateJson.Resources).filter(([, r]) => r.Properties?.Tags);
    const types = new Set(tagged.map(([, r]) => r.Type));
    for (const type of [
      'AWS::CloudWatch::Alarm',
      'AWS::DynamoDB::Table',
      'AWS::Events::EventBus',
      'AWS::IAM::Role',
      'AWS::KMS::Key',
      'AWS::Lambda::Function',
      'AWS::Logs::LogGroup',
      'AWS::SNS::Topic',
      'AWS::SQS::Queue',
      'AWS::SecretsManager::Secret',
    ]) {
      expect(types).toContain(type);
    }
    for (const [id, r] of tagged) {
      // A list of {Key, Value} for most types, a map for API Gateway v2.
      const tags = r.Properties?.Tags as { Key: string; Value: string }[] | Record<string, string>;
      const value = Array.isArray(tags) ? tags.find((t) => t.Key === STAGE_TAG)?.Value : tags[STAGE_TAG];
      expect(value, id).toBe('prod');
    }
  });

  it('give two stages disjoint explicit names, each starting with its stack name', () => {
    const devNames = explicitNames(resources);
    const prodNames = explicitNames(prod.templateJson.Resources);
    expect(devNames.length).toBeGreaterThan(0);
    expect(prodNames).toHaveLength(devNames.length);
    expect(devNames.filter((name) => prodNames.includes(name))).toEqual([]);
    for (const name of devNames) expect(name).toMatch(/^growthloop-dev[-/]/);
    for (const name of prodNames) expect(name).toMatch(/^growthloop-prod[-/]/);
  });
});
