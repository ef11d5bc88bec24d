import { awsQueue, awsStore } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { createCampaignSteps, type RunRef, stepError } from '../app/campaigns/steps';
import type { Offered } from '../core/campaigns/runs';
import { lambdaEntry } from '../http/lambda';
import { awsTenants } from './common/tenants';

/** What the campaign run's state machine (functions/workflows/campaign-run.asl.json) invokes this function with. */
export type CampaignStepEvent =
  | ({ step: 'select' } & RunRef)
  | ({ step: 'offer'; page: number } & RunRef)
  | ({ step: 'offered'; pages: Offered[] } & RunRef)
  | ({ step: 'measure' } & RunRef);

/**
 * The Lambda states of a campaign run. A refusal fails the state as CampaignRunRefused (caught:
 * the run is recorded failed); any other error as Transient, which the state retries.
 */
export const handler = lambdaEntry('campaign-steps', () => {
  const steps = createCampaignSteps({
    store: awsStore(),
    queue: awsQueue(),
    clock: systemClock,
    tenants: awsTenants({ seed: false }),
  });
  return async (event: CampaignStepEvent) => {
    try {
      switch (event.step) {
        case 'select':
          return await steps.select(event);
        case 'offer':
          return await steps.offer(event);
        case 'offered':
          return await steps.offered(event);
        case 'measure':
          return await steps.measure(event);
      }
    } catch (e) {
      throw stepError(e);
    }
    throw stepError(new Error(`unknown step ${JSON.stringify((event as { step?: unknown }).step)}`));
  };
});
