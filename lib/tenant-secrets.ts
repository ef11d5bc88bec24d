import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

const DESCRIPTION =
  'growthloop tenant platform secrets, as JSON: {"<tenantId>": {"shopifyWebhookSecret": ..., "woocommerceWebhookSecret": ..., ...}}. ' +
  'Created empty: the operator sets its value after deploy with ' +
  '`aws secretsmanager put-secret-value --secret-id <arn> --secret-string file://tenant-secrets.json`. ' +
  'Until then no tenant has a platform secret and signed webhooks are refused.';

/**
 * The one secret holding every tenant's platform secrets (Shopify and WooCommerce webhook signing secrets).
 *
 * It is created with no value at all (neither SecretString nor GenerateSecretString), so the template never holds
 * a secret and CloudFormation never owns or overwrites the value the operator puts: the functions read a secret
 * without a value as "no tenant has secrets". The L2 `Secret` would always generate a random string here, which is
 * not the JSON the functions expect, so this is the CloudFormation resource itself.
 */
export class TenantSecrets extends Construct {
  readonly secret: secretsmanager.CfnSecret;
  readonly secretArn: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.CfnSecret(this, 'Secret', {
      name: `${Stack.of(this).stackName}/tenant-secrets`,
      description: DESCRIPTION,
    });
    // Losing the secret would stop every tenant's webhooks until the operator re-enters all platform secrets.
    this.secret.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // Ref of AWS::SecretsManager::Secret is its ARN.
    this.secretArn = this.secret.ref;
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'These are third-party webhook signing secrets issued by Shopify and WooCommerce: they are rotated on the platform side and set here by the operator, so a Secrets Manager rotation Lambda cannot rotate them. growthloop accepts the previous Shopify secret during a configured grace period (shopifyPreviousWebhookSecret until shopifyPreviousSecretValidUntil).',
    });
  }
}
