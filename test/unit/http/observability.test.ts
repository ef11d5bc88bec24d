// What a Lambda function writes about itself: Powertools log lines with the request id and the
// tenant, no personal data, and the counters in embedded metric format, flushed per invocation.
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../functions/adapters/clock';
import { errorFields } from '../../../functions/adapters/log';
import { createFoldProfiles } from '../../../functions/app/fold-profiles/run';
import { sha256, tenantDirectory } from '../../../functions/core/config/tenants';
import { createIngestHandler } from '../../../functions/handlers/ingest';
import { type HttpEvent, lambdaEntry, sqsBatch } from '../../../functions/http/lambda';
import { ConditionFailedError, type Store } from '../../../functions/ports';
import { recordingBus } from '../../helpers/scoring';

const context = {
  awsRequestId: 'req-7f3a',
  functionName: 'growthloop-dev-ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:growthloop-dev-ingest',
  memoryLimitInMB: '512',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const tenants = tenantDirectory([
  { id: 'shop', timezone: 'UTC', currency: 'EUR', apiKeySha256: sha256('key-1'), adminKeySha256: sha256('admin-1') },
]);

let lines: Record<string, unknown>[];
beforeEach(() => {
  lines = [];
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => vi.restoreAllMocks());

const metricsIn = (all: Record<string, unknown>[]) =>
  all.flatMap((l) => {
    const aws = l._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] } | undefined;
    return aws ? aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => ({ ns: d.Namespace, name: m.Name }))) : [];
  });

describe('a Lambda entry point', () => {
  it('counts accepted events in namespace growthloop, flushed after the invocation', async () => {
    const handler = lambdaEntry('ingest', (observed) =>
      createIngestHandler({
        bus: recordingBus(),
        clock: new ManualClock('2026-11-30T12:00:00Z'),
        tenants,
        ...observed,
      }),
    );
    const event = {
      routeKey: 'POST /v1/events',
      headers: { 'x-api-key': 'key-1' },
      body: JSON.stringify({
        batch: ['a', 'b'].map((id) => ({
          type: 'login',
          eventId: id,
          customerId: 'ada@example.com',
          occurredAt: '2026-11-30T10:00:00Z',
          properties: {},
        })),
      }),
    } as unknown as HttpEvent;
    const result = (await handler(event, context)) as { statusCode: number };
    expect(result.statusCode).toBe(202);
    const emf = lines.filter((l) => l._aws);
    expect(metricsIn(emf)).toEqual([{ ns: 'growthloop', name: 'EventsAccepted' }]);
    expect(emf[0]).toMatchObject({ EventsAccepted: 2, service: 'growthloop' });
    expect(JSON.stringify(lines)).not.toContain('ada@example.com');
  });

  it('logs with the request id and the tenant, and never a customer id from an error', async () => {
    const conflicts: Store = new Proxy({} as Store, {
      get: (_, name) => async () => {
        if (name === 'getMany') return [];
        throw new ConditionFailedError({ pk: 'shop#C#ada@example.com', sk: 'PROFILE' });
      },
    });
    const handler = lambdaEntry('profiles', (observed) => {
      const fold = createFoldProfiles({
        store: conflicts,
        bus: recordingBus(),
        clock: { now: () => Date.parse('2026-11-30T12:00:00Z') },
        tenants,
        ...observed,
      });
      return sqsBatch((records) => fold({ records }));
    });
    const detail = {
      type: 'login',
      eventId: 'e-1',
      tenantId: 'shop',
      customerId: 'ada@example.com',
      source: 'api',
      occurredAt: '2026-11-30T10:00:00.000Z',
      properties: {},
    };
    const body = JSON.stringify({
      version: '0',
      id: 'b-1',
      'detail-type': 'login',
      source: 'growthloop.ingest',
      detail,
    });
    const out = await handler({ Records: [{ messageId: 'm-1', body }] } as never, context);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });

    const warning = lines.find((l) => l.level === 'WARN');
    expect(warning).toMatchObject({
      service: 'growthloop',
      function: 'profiles',
      function_request_id: 'req-7f3a',
      tenantId: 'shop',
      error: 'ConditionFailedError',
    });
    expect(JSON.stringify(lines)).not.toContain('ada@example.com');
    expect(metricsIn(lines.filter((l) => l._aws)).map((m) => m.name)).toContain('EventsParked');
  });
});

describe('errorFields', () => {
  it('replaces the customer ids in table keys by a stable pseudonym', () => {
    const one = errorFields(new Error('condition failed for shop#C#ada@example.com / PROFILE'));
    const two = errorFields(new Error('condition failed for shop#C#ada@example.com / JOURNEYS'));
    expect(one.error).toBe('Error');
    expect(one.reason).toMatch(/^condition failed for shop#C#~[\w-]{10} \/ PROFILE$/);
    expect(String(two.reason).split(' ')[3]).toBe(String(one.reason).split(' ')[3]);
  });
});
