import middy from '@middy/core';
import { awsStore } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { createTenantErasure } from '../app/privacy/erase-tenant';
import { lambdaEntry } from '../http/lambda';

/** Work time per invocation (lib/tenant-erasure.ts starts one every 15 minutes): the rest of the Lambda's 15 covers the last page. */
const WORK_MS = 12 * 60_000;

/** The scheduled tenant-erasure worker: every unfinished shop/redact erasure, until done or out of time. */
export const handler = lambdaEntry('tenant-erasure', (observed) => {
  const worker = createTenantErasure({ store: awsStore(), clock: systemClock, log: observed.log });
  return middy(async () => worker.runPending({ until: systemClock.now() + WORK_MS }));
});
