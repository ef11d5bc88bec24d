import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The role EventBridge Scheduler assumes to deliver one-time schedules to `queues` (a queue and its
 * dead-letter queue), only for schedules of this account. Its id, `SchedulerRole`, keeps the logical
 * id every construct had for it.
 */
export function schedulerDeliveryRole(scope: Construct, description: string, queues: readonly sqs.IQueue[]) {
  const role = new iam.Role(scope, 'SchedulerRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description,
  });
  for (const queue of queues) queue.grantSendMessages(role);
  return role;
}
