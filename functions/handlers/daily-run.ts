import middy from '@middy/core';
import { awsBus, awsStore, awsTenants } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { createDailyRun, DailyRunCommand } from '../app/daily-run/run';
import { lambdaEntry } from '../http/lambda';

/** The scheduled function: the daily model fit and lifecycle pass over the tenants the schedule names (all by default). */
export const handler = lambdaEntry('daily-run', (observed) => {
  const daily = createDailyRun({
    store: awsStore(),
    bus: awsBus(),
    clock: systemClock,
    tenants: awsTenants(),
    ...observed,
  });
  return middy(async (event: unknown) => daily.run(DailyRunCommand.parse(event ?? {})));
});
