import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The stage when the CDK context names none (`-c stage=prod` names one). */
export const DEFAULT_STAGE = 'dev';

/** Lower-case letters, digits and dashes, 1 to 16 of them: it goes into the stack name and every explicit name. */
export const STAGE_PATTERN = /^[a-z0-9-]{1,16}$/;

/** The tag every resource of a stage carries. */
export const STAGE_TAG = 'growthloop:stage';

/** The stage named by the CDK context `stage` (default `dev`); anything else than 1-16 of [a-z0-9-] fails synth. */
export function stageFromContext(scope: IConstruct): string {
  const configured: unknown = scope.node.tryGetContext('stage');
  const stage = configured === undefined || configured === '' ? DEFAULT_STAGE : configured;
  if (typeof stage !== 'string' || !STAGE_PATTERN.test(stage)) {
    throw new Error(
      `invalid stage ${JSON.stringify(stage)} (-c stage=...): use 1 to 16 lower-case letters, digits or dashes, such as prod or staging`,
    );
  }
  return stage;
}

/** The stack of a stage: growthloop-<stage>. */
export const stackIdFor = (stage: string): string => `growthloop-${stage}`;

/**
 * The name of an explicitly named resource: the stack name (growthloop-<stage>) then the suffix, so two stages
 * deploy side by side in one account and region without a name clash.
 */
export const resourceName = (scope: IConstruct, suffix: string): string => `${Stack.of(scope).stackName}-${suffix}`;
