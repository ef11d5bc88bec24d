import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GrowthloopStack } from './growthloop-stack';
import { stackIdFor, stageFromContext } from './stage';

/**
 * The growthloop CDK app with the cdk-nag AwsSolutions checks as a validation plugin: their errors fail synth.
 * One stack per stage (`-c stage=prod`, default `dev`): growthloop-<stage>.
 */
export function createGrowthloopApp(props?: AppProps): { app: App; stack: GrowthloopStack } {
  const app = new App(props);
  const stage = stageFromContext(app);
  const stack = new GrowthloopStack(app, stackIdFor(stage), { stage });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
