import middy from '@middy/core';
import { awsBus, awsQueue, awsStore } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { createAudienceBackfill } from '../app/daily-run/audience-backfill';
import { createBuyerBackfill } from '../app/daily-run/buyer-backfill';
import { createDailyFanOut } from '../app/daily-run/fan-out';
import { createDailyRun, DailyRunCommand } from '../app/daily-run/run';
import { lambdaEntry } from '../http/lambda';
import { awsTenants } from './common/tenants';

const BACKFILL_MS = 10 * 60_000;

/**
 * The daily run. The schedule's invocation names no tenant: it puts one `daily-run.tenant_due` event
 * per tenant on the bus; a rule hands each back to this function as `{"tenantIds": [id]}`, which
 * fits that tenant's models and moves its due customers.
 */
export const handler = lambdaEntry('daily-run', (observed) => {
  const deps = {
    store: awsStore(),
    bus: awsBus(),
    queue: awsQueue(),
    clock: systemClock,
    tenants: awsTenants({ seed: true }),
    ...observed,
  };
  const daily = createDailyRun(deps);
  const fanOut = createDailyFanOut(deps);
  const backfill = createBuyerBackfill({ ...deps, now: systemClock.now });
  const audienceBackfill = createAudienceBackfill({ ...deps, now: systemClock.now });
  return middy(async (event: unknown) => {
    const command = DailyRunCommand.parse(event ?? {});
    if (command.tenantIds) return daily.run(command);
    // Once, after an upgrade: index the buyers (then the audience) written before their index, for up to 10 minutes a day.
    const until = systemClock.now() + BACKFILL_MS;
    if ((await backfill({ until })).done && systemClock.now() < until) await audienceBackfill({ until });
    return fanOut();
  });
});
