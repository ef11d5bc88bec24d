import { createHash } from 'node:crypto';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { CampaignRunStarter } from '../../app/campaigns/routes';
import type { RunRef } from '../../app/campaigns/steps';

/**
 * An execution's name (at most 80 characters of [A-Za-z0-9_-], unique per state machine for 90 days):
 * campaign and run to read, a hash of tenant, campaign and run, and the start time, so a failed run
 * can be started again. Starting a run twice sends nothing twice: the state machine reads the run's
 * record first (an offered run goes back to its wait, a reported one ends).
 */
export function executionName(ref: RunRef, now: number): string {
  const hash = createHash('sha256').update(`${ref.tenantId}\0${ref.campaignId}\0${ref.runId}`).digest('hex');
  const readable = `${ref.campaignId.slice(0, 32)}-${ref.runId.slice(0, 24)}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${readable}-${hash.slice(0, 12)}-${now.toString(36)}`;
}

/** Campaign runs on Step Functions: StartExecution of the campaign run state machine. */
export function createStepFunctionsCampaignRuns(deps: {
  client: SFNClient;
  stateMachineArn: string;
  now: () => number;
}): CampaignRunStarter {
  return {
    measuresNow: false,
    async start(ref) {
      await deps.client.send(
        new StartExecutionCommand({
          stateMachineArn: deps.stateMachineArn,
          name: executionName(ref, deps.now()),
          input: JSON.stringify(ref),
        }),
      );
    },
  };
}
