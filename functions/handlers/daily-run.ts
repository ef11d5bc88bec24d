import middy from '@middy/core';
import { awsBus, awsStore, awsTenants } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { jsonLinesLog } from '../adapters/log';
import { createDailyRun, DailyRunCommand } from '../app/daily-run/run';
import { lazyHandler } from '../http/lambda';

/** The scheduled function: the daily model fit and lifecycle pass over the tenants the schedule names (all by default). */
export const handler = lazyHandler(() => {
  const daily = createDailyRun({
    store: awsStore(),
    bus: awsBus(),
    clock: systemClock,
    tenants: awsTenants(),
    log: jsonLinesLog({ function: 'daily-run' }),
  });
  return middy(async (event: unknown) => daily.run(DailyRunCommand.parse(event ?? {})));
});
