// The campaign run state machine on moto_server's Step Functions interpreter, as deployed (the
// substituted ASL): its DynamoDB states read and write the run record in the table, and its
// EventBridge state puts campaign.failed on the bus, which a rule delivers to an SQS queue. moto
// cannot run Lambda functions here (no Docker), so each Lambda state fails and the Catch path is
// what runs past it. moto 5.2.1 fails a second execution in one region (getmoto/moto#10077):
// each test has a region of its own.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDynamoStore, ensureTable } from '../../functions/adapters/aws/dynamodb';
import { campaignRunKey } from '../../functions/core/campaigns/runs';
import { campaignRunDefinition } from '../../functions/workflows/campaign-run';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';

const TABLE = 'growthloop-campaign-runs';
const BUS = 'growthloop';
const ref = { tenantId: 'shop', campaignId: 'recall-at-risk', runId: '2026-06-01' };

describeWithEmulator('the campaign run state machine on moto_server', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
    const answer = await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    expect(answer.status).toBe(201);
  }, 30_000);
  afterAll(async () => moto?.stop());

  /** A region with the table, the bus and its rule to a queue, and the state machine. */
  async function region(name: string) {
    const config = { ...awsClientConfig(moto.endpoint), region: name };
    const dynamo = new DynamoDBClient(config);
    await ensureTable(dynamo, TABLE);
    const store = createDynamoStore({ client: dynamo, tableName: TABLE });
    const sqs = new SQSClient(config);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'campaign-events' }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const events = new EventBridgeClient(config);
    await events.send(new CreateEventBusCommand({ Name: BUS }));
    await events.send(
      new PutRuleCommand({
        Name: 'campaigns',
        EventBusName: BUS,
        EventPattern: JSON.stringify({ source: ['growthloop.campaigns'] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'campaigns',
        EventBusName: BUS,
        Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
      }),
    );
    const sfn = new SFNClient(config);
    const definition = campaignRunDefinition({
      TableName: TABLE,
      CampaignStepsFunctionArn: `arn:aws:lambda:${name}:123456789012:function:growthloop-campaign-steps`,
      EventBusName: BUS,
    });
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'campaign-run',
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::123456789012:role/campaign-run',
      }),
    );

    async function execute() {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: ref.runId, input: JSON.stringify(ref) }),
      );
      for (let waited = 0; waited < 30_000; waited += 200) {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (execution.status !== 'RUNNING') {
          const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
          const entered = (history.events ?? []).flatMap((e) =>
            e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : [],
          );
          return { status: execution.status, entered };
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error('the execution did not end within 30 s');
    }

    async function received() {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      return (Messages ?? []).map((m) => JSON.parse(m.Body as string) as { 'detail-type': string; detail: unknown });
    }

    const close = () => {
      for (const client of [dynamo, sqs, events, sfn]) client.destroy();
    };
    return { store, execute, received, close };
  }

  it('a new run whose steps cannot run is recorded failed in the table, and campaign.failed reaches the queue', async () => {
    const r = await region('us-east-1');
    try {
      const { status, entered } = await r.execute();
      expect(status).toBe('FAILED');
      expect(entered).toEqual(
        expect.arrayContaining(['ReadRun', 'WhereIsTheRun', 'Select', 'RecordFailure', 'AnnounceFailure', 'Failed']),
      );
      expect(entered).not.toContain('OfferPages');
      const record = await r.store.get(campaignRunKey(ref.tenantId, ref.campaignId, ref.runId), { consistent: true });
      expect(record).toMatchObject({ status: 'failed', campaignId: ref.campaignId, runId: ref.runId });
      expect(typeof record?.error).toBe('string');
      expect(await r.received()).toEqual([
        expect.objectContaining({
          'detail-type': 'campaign.failed',
          detail: expect.objectContaining({ tenantId: 'shop', campaignId: ref.campaignId, runId: ref.runId }),
        }),
      ]);
    } finally {
      r.close();
    }
  }, 60_000);

  it('a run already reported, started again, ends at once: nothing is selected or offered', async () => {
    const r = await region('us-west-2');
    try {
      await r.store.put({
        ...campaignRunKey(ref.tenantId, ref.campaignId, ref.runId),
        ...ref,
        status: 'reported',
        startedAt: '2026-06-01T10:00:00.000Z',
      });
      const { status, entered } = await r.execute();
      expect(status).toBe('SUCCEEDED');
      expect(entered).toEqual(['ReadRun', 'WhereIsTheRun', 'AlreadyReported']);
      expect(await r.received()).toEqual([]);
    } finally {
      r.close();
    }
  }, 60_000);

  it('an offered run goes straight to its wait and its measurement; failing there, it is recorded failed', async () => {
    const r = await region('eu-west-1');
    try {
      await r.store.put({
        ...campaignRunKey(ref.tenantId, ref.campaignId, ref.runId),
        ...ref,
        status: 'offered',
        startedAt: '2026-06-01T10:00:00.000Z',
        measureAt: new Date(Date.now() + 1000).toISOString(),
      });
      const { status, entered } = await r.execute();
      expect(status).toBe('FAILED');
      expect(entered).toEqual(
        expect.arrayContaining(['ReadRun', 'Resume', 'WaitForAttribution', 'Measure', 'RecordFailure']),
      );
      expect(entered).not.toContain('Select');
      expect(
        await r.store.get(campaignRunKey(ref.tenantId, ref.campaignId, ref.runId), { consistent: true }),
      ).toMatchObject({ status: 'failed' });
    } finally {
      r.close();
    }
  }, 60_000);
});
