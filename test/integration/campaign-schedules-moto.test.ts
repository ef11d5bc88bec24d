// Campaign schedules on moto_server's EventBridge Scheduler (which keeps schedules but never fires
// them): saving a campaign creates its schedule on the state machine, saving it again with another
// cron updates it, saving it without a schedule deletes it.
import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { campaignScheduleName, createCampaignSchedules } from '../../functions/adapters/aws/campaign-schedules';
import { Campaign } from '../../functions/core/campaigns/schema';
import { awsClientConfig, describeWithEmulator, type Moto, startMoto } from '../helpers/moto';

const GROUP = 'growthloop-test-campaigns';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/growthloop-campaign-scheduler';
const MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:growthloop-campaign-run';
const tenant = { id: 'shop', timezone: 'Asia/Shanghai' };
const campaign = Campaign.parse({
  id: 'weekly-recall',
  name: 'Weekly recall',
  audience: { stages: ['at_risk'] },
  offers: [{ name: 'push', actions: [{ kind: 'push', template: 'recall-push' }] }],
  schedule: { cron: 'cron(0 10 ? * MON *)' },
});

describeWithEmulator('campaign schedules on moto_server', () => {
  let moto: Moto;
  let client: SchedulerClient;
  beforeAll(async () => {
    moto = await startMoto();
    client = new SchedulerClient(awsClientConfig(moto.endpoint));
    await client.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  });
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('creates, updates and deletes the schedule that starts the state machine, one per tenant and campaign', async () => {
    const schedules = createCampaignSchedules({
      client,
      groupName: GROUP,
      stateMachineArn: MACHINE_ARN,
      roleArn: ROLE_ARN,
    });
    const name = campaignScheduleName(tenant.id, campaign.id);
    expect(name).toMatch(/^weekly-recall-[0-9a-f]{16}$/);
    expect(campaignScheduleName('other', campaign.id)).not.toBe(name);
    const read = () => client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));

    await schedules.put(tenant, campaign);
    const created = await read();
    expect(created).toMatchObject({
      ScheduleExpression: 'cron(0 10 ? * MON *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: MACHINE_ARN, RoleArn: ROLE_ARN },
    });
    expect(JSON.parse(created.Target?.Input ?? '')).toEqual({
      tenantId: 'shop',
      campaignId: 'weekly-recall',
      runId: 'scheduled-<aws.scheduler.scheduled-time>',
    });

    await schedules.put(tenant, { ...campaign, schedule: { cron: 'cron(30 9 1 * ? *)', timezone: 'Europe/Berlin' } });
    expect(await read()).toMatchObject({
      ScheduleExpression: 'cron(30 9 1 * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
    const listed = await client.send(new ListSchedulesCommand({ GroupName: GROUP }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual([name]);

    await schedules.put(tenant, { ...campaign, schedule: undefined });
    await expect(read()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    // A campaign that never had a schedule: nothing to delete, and no error.
    await schedules.put(tenant, { ...campaign, id: 'by-hand', schedule: undefined });
  });
});
