import middy from '@middy/core';
import { awsBus, awsQueue, awsStore } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { createLoyaltyConsumer, type LoyaltyDeps } from '../app/loyalty/run';
import { lambdaEntry, sqsBatch } from '../http/lambda';
import { awsTenants } from './common/tenants';

/** The loyalty function: points entries from the loyalty queue's events (partial batch failures). */
export const createLoyaltyHandler = (deps: LoyaltyDeps) => {
  const consume = createLoyaltyConsumer(deps);
  return middy(sqsBatch((records) => consume({ records })));
};

export const handler = lambdaEntry('loyalty', (observed) =>
  createLoyaltyHandler({
    store: awsStore(),
    bus: awsBus(),
    queue: awsQueue(),
    clock: systemClock,
    tenants: awsTenants(),
    ...observed,
  }),
);
