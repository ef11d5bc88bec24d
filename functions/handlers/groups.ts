import middy from '@middy/core';
import { awsBus, awsQueue, awsStore, awsTimers } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { createGroupsConsumer, type GroupsDeps } from '../app/groups/run';
import { lambdaEntry, sqsBatch } from '../http/lambda';
import { awsTenants } from './common/tenants';

/** The groups function: group buying events and deadlines from the groups queue (partial batch failures). */
export const createGroupsHandler = (deps: GroupsDeps) => {
  const consume = createGroupsConsumer(deps);
  return middy(sqsBatch((records) => consume({ records })));
};

export const handler = lambdaEntry('groups', (observed) =>
  createGroupsHandler({
    store: awsStore(),
    bus: awsBus(),
    queue: awsQueue(),
    timers: awsTimers(),
    clock: systemClock,
    tenants: awsTenants(),
    ...observed,
  }),
);
