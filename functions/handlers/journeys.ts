import middy from '@middy/core';
import { awsDataKeys, awsQueue, awsStore, awsTimers } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { type AdvanceJourneysDeps, createAdvanceJourneys } from '../app/advance-journeys/run';
import { lambdaEntry, sqsBatch } from '../http/lambda';
import { awsTenants } from './common/tenants';

/** The journey function: events (journey-events) and timers (journey-steps) move customers' journeys. */
export const createJourneyHandler = (deps: AdvanceJourneysDeps) => {
  const advance = createAdvanceJourneys(deps);
  return middy(sqsBatch((records) => advance({ records })));
};

export const handler = lambdaEntry('journeys', (observed) =>
  createJourneyHandler({
    store: awsStore(),
    dataKeys: awsDataKeys(),
    queue: awsQueue(),
    timers: awsTimers(),
    clock: systemClock,
    tenants: awsTenants(),
    ...observed,
  }),
);
