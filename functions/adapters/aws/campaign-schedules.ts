/**
 * A saved campaign's schedule as an EventBridge Scheduler schedule that starts the campaign run
 * state machine: one schedule per tenant and campaign in the stage's campaign group, created or
 * updated when the campaign is saved, deleted when it has no schedule any more. Each firing's
 * execution input names its run by the firing's time (`<aws.scheduler.scheduled-time>`), so the
 * run ids are those the local runtime gives, and a firing delivered twice is carried out once.
 */
import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { CampaignScheduler } from '../../app/campaigns/routes';
import { scheduledRunId } from '../../core/campaigns/cron';

/** A schedule name (at most 64 of [0-9a-zA-Z-_.]): readable campaign id and a hash of tenant and campaign. */
export function campaignScheduleName(tenantId: string, campaignId: string): string {
  const hash = createHash('sha256').update(`${tenantId}\0${campaignId}`).digest('hex').slice(0, 16);
  return `${campaignId.slice(0, 40).replace(/[^0-9A-Za-z_.-]/g, '_')}-${hash}`;
}

const isNamed = (error: unknown, type: { new (...args: never[]): Error }, name: string) =>
  error instanceof type || (error as Error)?.name === name;

export function createCampaignSchedules(deps: {
  client: SchedulerClient;
  groupName: string;
  stateMachineArn: string;
  /** The role Scheduler takes to start executions. */
  roleArn: string;
}): CampaignScheduler {
  return {
    async put(tenant, campaign) {
      const name = campaignScheduleName(tenant.id, campaign.id);
      if (!campaign.schedule) {
        try {
          await deps.client.send(new DeleteScheduleCommand({ Name: name, GroupName: deps.groupName }));
        } catch (error) {
          if (!isNamed(error, ResourceNotFoundException, 'ResourceNotFoundException')) throw error;
        }
        return;
      }
      const input: CreateScheduleCommandInput = {
        Name: name,
        GroupName: deps.groupName,
        Description: `growthloop campaign ${campaign.id} of tenant ${tenant.id}`.slice(0, 512),
        ScheduleExpression: campaign.schedule.cron,
        ScheduleExpressionTimezone: campaign.schedule.timezone ?? tenant.timezone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: deps.stateMachineArn,
          RoleArn: deps.roleArn,
          Input: JSON.stringify({
            tenantId: tenant.id,
            campaignId: campaign.id,
            runId: scheduledRunId('<aws.scheduler.scheduled-time>'),
          }),
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 10 },
        },
      };
      try {
        await deps.client.send(new CreateScheduleCommand(input));
      } catch (error) {
        if (!isNamed(error, ConflictException, 'ConflictException')) throw error;
        await deps.client.send(new UpdateScheduleCommand(input));
      }
    },
  };
}
