import middy from '@middy/core';
import { awsBus, awsStore, awsTenants } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { jsonLinesLog } from '../adapters/log';
import { createFoldProfiles, type FoldProfilesDeps } from '../app/fold-profiles/run';
import { lazyHandler, sqsBatch } from '../http/lambda';

/** The profile function: folds the profile-updates queue's events into profiles (partial batch failures). */
export const createProfileHandler = (deps: FoldProfilesDeps) => {
  const fold = createFoldProfiles(deps);
  return middy(sqsBatch((records) => fold({ records })));
};

export const handler = lazyHandler(() =>
  createProfileHandler({
    store: awsStore(),
    bus: awsBus(),
    clock: systemClock,
    tenants: awsTenants(),
    log: jsonLinesLog({ function: 'profiles' }),
  }),
);
