// The use cases as the functions run them, with logs kept out of the test output.
import { silentLog } from '../../functions/adapters/log';
import { createDailyRun, type DailyRunDeps } from '../../functions/app/daily-run/run';
import { createFoldProfiles, type FoldProfilesDeps } from '../../functions/app/fold-profiles/run';
import type { QueueRecord } from '../../functions/contracts/messages';

export type { QueueRecord };

/** The profile function's use case over a batch of queue records. */
export function createProfileUpdater(deps: Omit<FoldProfilesDeps, 'log'> & { log?: FoldProfilesDeps['log'] }) {
  const fold = createFoldProfiles({ log: silentLog, ...deps });
  return (records: QueueRecord[]) => fold({ records });
}

export const createLifecycleJobs = (deps: Omit<DailyRunDeps, 'log'>) => createDailyRun({ log: silentLog, ...deps });
