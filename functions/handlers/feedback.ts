import { awsBus, awsStore } from '../adapters/aws/environment';
import { systemClock } from '../adapters/clock';
import { createProviderFeedback, type ProviderFeedbackDeps } from '../app/dispatch/feedback';
import { lambdaEntry } from '../http/lambda';
import { awsTenants } from './common/tenants';

/**
 * The feedback function, invoked asynchronously: SES events from the default EventBridge bus, and SNS
 * notifications of End User Messaging SMS two-way messages (or SES records). Feedback it cannot use is
 * logged and dropped; a failure (the table, the bus) fails the invocation, which Lambda retries.
 */
export const createFeedbackHandler = (deps: ProviderFeedbackDeps) => {
  const feedback = createProviderFeedback(deps);
  return async (event: unknown): Promise<void> => {
    await feedback.receive(event);
  };
};

export const handler = lambdaEntry('feedback', (observed) =>
  createFeedbackHandler({
    store: awsStore(),
    bus: awsBus(),
    clock: systemClock,
    tenants: awsTenants(),
    ...observed,
    ...(process.env.SES_CONFIGURATION_SET ? { sesConfigurationSet: process.env.SES_CONFIGURATION_SET } : {}),
  }),
);
