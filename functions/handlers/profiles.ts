import middy from '@middy/core';
import { awsBus, awsDataKeys, awsStore } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { createFoldProfiles, type FoldProfilesDeps } from '../app/fold-profiles/run';
import { lambdaEntry, sqsBatch } from '../http/lambda';
import { awsTenants } from './common/tenants';

/** The profile function: folds the profile-updates queue's events into profiles (partial batch failures). */
export const createProfileHandler = (deps: FoldProfilesDeps) => {
  const fold = createFoldProfiles(deps);
  return middy(sqsBatch((records) => fold({ records })));
};

export const handler = lambdaEntry('profiles', (observed) =>
  createProfileHandler({
    store: awsStore(),
    dataKeys: awsDataKeys(),
    bus: awsBus(),
    clock: systemClock,
    tenants: awsTenants(),
    ...observed,
  }),
);
