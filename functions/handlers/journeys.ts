import middy from '@middy/core';
import { awsQueue, awsStore, awsTenants, awsTimers } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { jsonLinesLog } from '../adapters/log';
import { type AdvanceJourneysDeps, createAdvanceJourneys } from '../app/advance-journeys/run';
import { lazyHandler, sqsBatch } from '../http/lambda';

/** The journey function: events (journey-events) and timers (journey-steps) move customers' journeys. */
export const createJourneyHandler = (deps: AdvanceJourneysDeps) => {
  const advance = createAdvanceJourneys(deps);
  return middy(sqsBatch((records) => advance({ records })));
};

export const handler = lazyHandler(() =>
  createJourneyHandler({
    store: awsStore(),
    queue: awsQueue(),
    timers: awsTimers(),
    clock: systemClock,
    tenants: awsTenants(),
    log: jsonLinesLog({ function: 'journeys' }),
  }),
);
