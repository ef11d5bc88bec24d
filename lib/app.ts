import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GrowthloopStack } from './growthloop-stack';

/** The growthloop CDK app with the cdk-nag AwsSolutions checks as a validation plugin: their errors fail synth. */
export function createGrowthloopApp(props?: AppProps): { app: App; stack: GrowthloopStack } {
  const app = new App(props);
  const stack = new GrowthloopStack(app, 'growthloop');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
