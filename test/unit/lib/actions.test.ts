import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerRenderer } from '../../../functions/adapters/templates/worker-renderer';
import { sampleContext } from '../../../functions/core/templates/sample';
import { consumers } from '../../../functions/routes';
import { DISPATCH_TABLE_ACTIONS } from '../../../lib/actions';
import { createGrowthloopApp } from '../../../lib/app';
import { MAX_CONCURRENCY } from '../../../lib/consumers';
import { extraEntryCommands, RENDER_WORKER } from '../../../lib/function';

type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
type Violation = { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] };
type ValidationReport = { pluginReports: { pluginName: string; violations: Violation[] }[] };

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const tempDir = () => mkdtempSync(join(tmpdir(), 'growthloop-actions-'));

const tenant = {
  id: 'acme',
  name: 'Acme',
  timezone: 'Europe/Berlin',
  currency: 'EUR',
  apiKey: 'acme-api-key-0123456789abcdef',
  adminKey: 'acme-admin-key-0123456789abcdef',
};

function synth(context: Record<string, unknown>) {
  const outdir = tempDir();
  const config = join(tempDir(), 'growthloop.config.json');
  writeFileSync(config, JSON.stringify({ tenants: [tenant] }));
  const { app, stack } = createGrowthloopApp({ outdir, context: { ...cdkJson.context, config, ...context } });
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  const resources = (assembly.getStackByName(stack.stackName).template as { Resources: Record<string, Resource> })
    .Resources;
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  return { outdir, stack, resources, report, logicalId };
}

const ofType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);
/** A resource property, typed by the caller (the assertions that use it check its shape). */
const prop = <T>(resource: Resource | undefined, key: string): T => resource?.Properties?.[key] as T;
const getAtt = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];

// One synth with real bundling (the handler and its render worker) and every channel setting given.
const SETTINGS = {
  sesFrom: 'Acme <news@acme.example>',
  sesConfigurationSet: 'growthloop-events',
  smsOriginationIdentity: 'pool-0123456789abcdef',
  smsConfigurationSet: 'growthloop-sms',
};
const deployed = synth(SETTINGS);
const { resources, stack } = deployed;
const fnId = deployed.logicalId(stack.actions.handler.fn);
const fn = resources[fnId] as Resource;
const actionsQueueId = deployed.logicalId(stack.routing.queues.actions);
const [tableId] = ofType(resources, 'AWS::DynamoDB::Table').map(([id]) => id);
const [busId] = ofType(resources, 'AWS::Events::EventBus').map(([id]) => id);
const secretId = stack.getLogicalId(stack.tenantSecrets.secret);

const statementsOf = (roleId: string, of: Record<string, Resource> = resources): Statement[] =>
  ofType(of, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap(([, p]) => prop<{ Statement: Statement[] }>(p, 'PolicyDocument').Statement);
const roleId = deployed.logicalId(stack.actions.handler.role);
const statements = statementsOf(roleId);
const actionsOf = (s: Statement) => [s.Action].flat().sort();
const withAction = (action: string) => statements.filter((s) => actionsOf(s).includes(action));
const env = prop<{ Variables: Record<string, unknown> }>(fn, 'Environment').Variables;

describe('the dispatch function', () => {
  it('passes the cdk-nag AwsSolutions checks with every channel setting given', () => {
    const errors = deployed.report.pluginReports
      .filter((r) => r.pluginName === 'AwsSolutions')
      .flatMap((r) => r.violations)
      .filter((v) => v.severity === 'error' || v.severity === 'fatal');
    expect(errors).toEqual([]);
  });

  it('runs functions/handlers/dispatch.ts on nodejs24.x, timed out six times within the queue visibility', () => {
    expect(fn.Properties?.Runtime).toBe('nodejs24.x');
    expect(fn.Properties?.Handler).toBe('index.handler');
    expect((fn.Properties?.Timeout as number) * 6).toBeLessThanOrEqual(
      resources[actionsQueueId]?.Properties?.VisibilityTimeout as number,
    );
  });

  it('takes the actions queue in small batches, reporting partial failures, under its concurrency cap', () => {
    const mappings = ofType(resources, 'AWS::Lambda::EventSourceMapping').filter(([, m]) =>
      JSON.stringify(m.Properties?.FunctionName).includes(`"${fnId}"`),
    );
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]?.[1].Properties ?? {};
    expect(getAtt(mapping.EventSourceArn)).toBe(actionsQueueId);
    expect(mapping.BatchSize).toBe(consumers.actions.batchSize);
    expect(consumers.actions).toEqual({ batchSize: 10, batchingWindowSeconds: 0 });
    expect(mapping.MaximumBatchingWindowInSeconds ?? 0).toBe(0);
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect((mapping.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency).toBe(MAX_CONCURRENCY.actions);
  });

  it('is given the table, bus, tenants, tenant secrets, timers on the actions queue and the channel settings', () => {
    expect(env).toMatchObject({
      TABLE_NAME: { Ref: tableId },
      EVENT_BUS_NAME: { Ref: busId },
      TENANT_SECRETS_ARN: { Ref: secretId },
      SCHEDULER_DLQ_ARN: { 'Fn::GetAtt': [deployed.logicalId(stack.routing.deadLetters.actions), 'Arn'] },
      SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [deployed.logicalId(stack.actions.schedulerRole), 'Arn'] },
      SCHEDULE_GROUP: `${stack.stackName}-timers`,
      SES_FROM: SETTINGS.sesFrom,
      SES_CONFIGURATION_SET: SETTINGS.sesConfigurationSet,
      SMS_ORIGINATION_IDENTITY: SETTINGS.smsOriginationIdentity,
      SMS_CONFIGURATION_SET: SETTINGS.smsConfigurationSet,
    });
    expect(JSON.parse(env.GROWTHLOOP_TENANTS as string)).toEqual([expect.objectContaining({ id: 'acme' })]);
    // Deferred actions come back on the actions queue, and only there.
    for (const name of ['TIMER_QUEUE_URLS', 'TIMER_QUEUE_ARNS']) {
      const json = JSON.stringify(env[name]);
      expect(json, name).toContain('\\"actions\\"');
      expect(json, name).toContain(actionsQueueId);
      expect(json, name).not.toContain('journey');
    }
  });

  it('leaves the optional channel settings out when none is given', () => {
    const bare = synth({ 'aws:cdk:bundling-stacks': [] });
    const vars = prop<{ Variables: Record<string, unknown> }>(
      bare.resources[bare.logicalId(bare.stack.actions.handler.fn)],
      'Environment',
    ).Variables;
    for (const name of ['SES_FROM', 'SES_CONFIGURATION_SET', 'SMS_ORIGINATION_IDENTITY', 'SMS_CONFIGURATION_SET'])
      expect(vars[name], name).toBeUndefined();
    const ses = statementsOf(bare.logicalId(bare.stack.actions.handler.role), bare.resources).find((s) =>
      actionsOf(s).includes('ses:SendEmail'),
    );
    expect(JSON.stringify(ses?.Resource)).not.toContain('configuration-set');
  });
});

describe('the dispatch function permissions', () => {
  it('reads and writes single items of the table, and never queries, scans or deletes', () => {
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(`"${tableId}"`));
    expect(onTable.flatMap(actionsOf).sort()).toEqual([...DISPATCH_TABLE_ACTIONS].sort());
    expect([...DISPATCH_TABLE_ACTIONS].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    for (const s of onTable) expect(JSON.stringify(s.Resource)).not.toContain('*');
  });

  it('puts events on the bus, reads the tenant secrets, and sends to the actions queue only', () => {
    expect(withAction('events:PutEvents')).toEqual([
      { Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } },
    ]);
    expect(withAction('secretsmanager:GetSecretValue')).toEqual([
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: secretId } },
    ]);
    const sends = withAction('sqs:SendMessage');
    expect(sends).toHaveLength(1);
    expect(getAtt(sends[0]?.Resource)).toBe(actionsQueueId);
  });

  it('creates schedules only, in the stage group, passing only its own scheduler role, which may send only actions', () => {
    const schedules = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));
    expect(schedules.map((s) => s.Action)).toEqual(['scheduler:CreateSchedule']);
    expect(JSON.stringify(schedules[0]?.Resource)).toContain(`:schedule/${stack.stackName}-timers/*`);
    const schedulerRoleId = deployed.logicalId(stack.actions.schedulerRole);
    expect(withAction('iam:PassRole')).toEqual([
      { Action: 'iam:PassRole', Effect: 'Allow', Resource: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] } },
    ]);
    const trust = prop<{ Statement: unknown[] }>(resources[schedulerRoleId], 'AssumeRolePolicyDocument').Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const schedulerGrants = statementsOf(schedulerRoleId);
    expect(schedulerGrants.flatMap(actionsOf).every((a) => a.startsWith('sqs:'))).toBe(true);
    const schedulerSends = schedulerGrants.flatMap((s) => [s.Resource].flat()).map(getAtt);
    expect(schedulerSends.sort()).toEqual(
      [actionsQueueId, deployed.logicalId(stack.routing.deadLetters.actions)].sort(),
    );
  });

  it('sends e-mail through SES identities and its configuration set, push to SNS endpoints, SMS from origination identities', () => {
    const resourceOf = (action: string) => JSON.stringify(withAction(action).map((s) => s.Resource));
    expect(withAction('ses:SendEmail')).toHaveLength(1);
    expect(resourceOf('ses:SendEmail')).toContain(':identity/*');
    expect(resourceOf('ses:SendEmail')).toContain(`:configuration-set/${SETTINGS.sesConfigurationSet}`);
    expect(resourceOf('sns:Publish')).toContain(':endpoint/*');
    expect(resourceOf('sns:Publish')).not.toContain(':*"');
    for (const part of [
      'phone-number/*',
      'sender-id/*',
      'pool/*',
      'opt-out-list/*',
      'configuration-set/growthloop-sms',
    ])
      expect(resourceOf('sms-voice:SendTextMessage')).toContain(`:${part}`);
  });

  it('grants no wildcard action, and "*" as a resource only to X-Ray', () => {
    for (const s of statements) {
      for (const action of actionsOf(s)) expect(action).not.toContain('*');
      if (s.Resource === '*') expect(actionsOf(s)).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
    // Wildcards sit only at the end of an ARN of this account and region, in the resource types acknowledged.
    const wildcards = statements
      .flatMap((s) => [s.Resource].flat())
      .map((r) => JSON.stringify(r))
      .filter((r) => r.includes('*') && r !== '"*"');
    const allowed = [`schedule/${stack.stackName}-timers/*`, 'identity/*', 'endpoint/*', 'phone-number/*'];
    allowed.push('sender-id/*', 'pool/*', 'opt-out-list/*');
    for (const r of wildcards) {
      expect(
        allowed.some((suffix) => r.endsWith(`:${suffix}"]]}`)),
        r,
      ).toBe(true);
      expect(r).toContain('{"Ref":"AWS::AccountId"}');
    }
    expect(statements.flatMap(actionsOf).some((a) => a.startsWith('kms:'))).toBe(false);
  });
});

describe('the dispatch bundle', () => {
  const codeDir = (): string => {
    const path = fn.Metadata?.['aws:asset:path'];
    if (typeof path === 'string') return join(deployed.outdir, path);
    const key = prop<{ S3Key: string }>(fn, 'Code').S3Key;
    return join(deployed.outdir, `asset.${key.replace(/\.zip$/, '')}`);
  };
  const renderer = createWorkerRenderer({ workerUrl: pathToFileURL(join(codeDir(), 'render-worker.mjs')) });
  afterAll(() => renderer.close());

  it('holds the render worker beside the handler, bundled as ESM with the createRequire banner', () => {
    const dir = codeDir();
    expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
    const worker = readFileSync(join(dir, 'render-worker.mjs'), 'utf8');
    expect(worker.startsWith("import { createRequire } from 'node:module'; const require = createRequire(")).toBe(true);
    expect(existsSync(join(dir, 'render-worker.mjs.map'))).toBe(true);
  });

  it('renders templates in the bundled worker, without TypeScript or the sources', async () => {
    const tenantView = { id: 'acme', currency: 'EUR', timezone: 'Europe/Berlin' };
    const rendered = await renderer.render(
      { channel: 'sms', parts: { body: 'Hi from {{ tenant.id }}' } },
      sampleContext(tenantView),
    );
    expect(rendered).toMatchObject({ channel: 'sms', body: 'Hi from acme' });
  });

  it('bundles each extra entry with the project esbuild into the output directory under the given name', () => {
    const [command] = extraEntryCommands(RENDER_WORKER, '/project', '/out');
    expect(command).toContain(
      "'/project/node_modules/.bin/esbuild' '--bundle' '/project/functions/adapters/templates/render-worker.ts'",
    );
    expect(command).toContain("'--format=esm'");
    expect(command).toContain("'--outfile=/out/render-worker.mjs'");
    expect(command).toContain(`'--banner:js=import { createRequire } from '\\''node:module'\\''; const require`);
    expect(() => extraEntryCommands({ 'index.mjs': 'x.ts' }, '/p', '/o')).toThrow(/index\.mjs/);
    expect(() => extraEntryCommands({ '../x.mjs': 'x.ts' }, '/p', '/o')).toThrow(/plain/);
  });
});
