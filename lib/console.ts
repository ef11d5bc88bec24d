import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, type CfnElement, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { ROLES, type Role } from '../functions/core/auth/permissions';
import { resourceName } from './stage';

/** Where the console is served: its Vite build has `base: '/console/'`, and its files are under this key prefix. */
export const CONSOLE_PATH = '/console/';
/** The console's build, relative to the project root (`npm run console:build`). */
export const DEFAULT_CONSOLE_DIST = fileURLToPath(new URL('../console/dist', import.meta.url));
/** The paths CloudFront sends to the HTTP API, so that the console calls it on its own origin. */
export const API_PATHS = ['/v1/*', '/openapi.json', '/health'] as const;
/**
 * The console's sign-in settings beside its files (console/src/oidc.ts reads them): the user pool's
 * authorize and token endpoints and the app client; `{}` without a user pool (admin keys only).
 */
export const CONSOLE_CONFIG_FILE = 'config.json';

const ROLE_DESCRIPTIONS: Record<Role, string> = {
  marketer: 'Journeys, campaigns, templates, coupon pools, referral reviews, points; reads everything an analyst reads',
  analyst: 'Reads only: customers, journeys, campaigns, templates, coupons, metrics (no personal-data export)',
  engineer: 'Customer export and erasure, quarantine and dead-letter replay, tenants and keys; and the reads',
};

/** Serves the console: `/` and `/console` go to `/console/`, and a path under it that names no file is the app's. */
export const PATHS_FUNCTION = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/' || uri === '/console') {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '${CONSOLE_PATH}' } } };
  }
  if (uri.indexOf('${CONSOLE_PATH}') === 0 && uri.slice(uri.lastIndexOf('/') + 1).indexOf('.') === -1) {
    request.uri = '${CONSOLE_PATH}index.html';
  }
  return request;
}`;

export type ConsoleProps = {
  /** The HTTP API's endpoint, `https://<api id>.execute-api.<region>.amazonaws.com` (its $default stage). */
  apiEndpoint: string;
  /** Create a Cognito user pool (groups marketer, analyst, engineer) and the console's app client. */
  userPool: boolean;
  /** The console's build; when it holds no index.html nothing is deployed (synth still works). */
  distPath: string;
};

/** The console settings of the CDK context: `-c consoleUserPool=false` (default true), `-c consoleDist=<dir>`. */
export function consoleSettingsFromContext(scope: IConstruct): Pick<ConsoleProps, 'userPool' | 'distPath'> {
  const pool: unknown = scope.node.tryGetContext('consoleUserPool');
  if (pool !== undefined && ![true, false, 'true', 'false'].includes(pool as string | boolean)) {
    throw new Error(`invalid consoleUserPool ${JSON.stringify(pool)} (-c consoleUserPool=...): use true or false`);
  }
  const dist: unknown = scope.node.tryGetContext('consoleDist');
  return {
    userPool: pool === undefined || pool === true || pool === 'true',
    distPath: typeof dist === 'string' && dist !== '' ? resolve(dist) : DEFAULT_CONSOLE_DIST,
  };
}

/**
 * The console on AWS: its static files in a private bucket behind a CloudFront distribution (origin access
 * control), which also sends /v1/*, /openapi.json and /health to the HTTP API uncached with every header but
 * Host (the Authorization header with them), so the console calls the API on its own origin. And, optionally,
 * the Cognito user pool its users sign in at: the operator puts its issuer and app client id in the tenant's
 * `auth` (functions/core/auth/settings.ts), and adds each user to the group of their role.
 */
export class Console extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly url: string;
  readonly userPool?: cognito.UserPool;
  readonly client?: cognito.UserPoolClient;
  readonly deployment?: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are written with an ACL, which needs object ownership by the writer.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        "This bucket holds the console bucket's server access logs and the distribution's access logs: logging it into itself would log every log delivery.",
    });

    this.bucket = new s3.Bucket(this, 'Files', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const paths = new cloudfront.Function(this, 'Paths', {
      functionName: resourceName(this, 'console-paths'),
      comment: 'growthloop console: / to /console/, app routes to /console/index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(PATHS_FUNCTION),
    });
    const apiOrigin = new origins.HttpOrigin(Fn.select(2, Fn.split('/', props.apiEndpoint)), {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });
    const toApi: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `growthloop console and admin API (${stack.stackName})`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: [{ function: paths, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries(API_PATHS.map((path) => [path, toApi])),
      enableLogging: true,
      logBucket: this.accessLogs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          "The merchant's team and tools may work from anywhere; the admin API behind the distribution authenticates every call (admin key or the tenant's identity provider) whatever the country.",
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          "A web ACL for CloudFront must live in us-east-1, and this stack is deployed to the merchant's region; the API routes are throttled by API Gateway and authenticated in the function. Attach a web ACL with webAclId if the account has one.",
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution is reached at its *.cloudfront.net name with the CloudFront default certificate, which CloudFront serves with TLSv1 allowed (its security policy is fixed); a custom domain with an ACM certificate (and TLSv1.2_2021) needs a domain the stack does not know.',
      },
    );
    this.url = `https://${this.distribution.distributionDomainName}`;
    const consoleUrl = `${this.url}${CONSOLE_PATH}`;

    let signIn: { issuer: string; clientId: string; domain: string } | undefined;
    if (props.userPool) {
      const pool = new cognito.UserPool(this, 'Users', {
        userPoolName: resourceName(this, 'console-users'),
        // The operator adds the team's users (and their groups): nobody signs themselves up.
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        autoVerify: { email: true },
        passwordPolicy: {
          minLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireDigits: true,
          requireSymbols: true,
          tempPasswordValidity: Duration.days(3),
        },
        mfa: cognito.Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        // Threat protection (compromised credentials, adaptive authentication) on the Plus plan.
        featurePlan: cognito.FeaturePlan.PLUS,
        standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const role of ROLES) {
        new cognito.UserPoolGroup(this, `${role[0]?.toUpperCase()}${role.slice(1)}Group`, {
          userPool: pool,
          groupName: role,
          description: ROLE_DESCRIPTIONS[role],
        });
      }
      const domain = pool.addDomain('SignIn', {
        cognitoDomain: { domainPrefix: Fn.join('-', [stack.stackName, Aws.ACCOUNT_ID]) },
      });
      // A public client (no secret) of the console in the browser: the authorization code grant with PKCE.
      this.client = pool.addClient('Console', {
        userPoolClientName: 'console',
        generateSecret: false,
        authFlows: { userSrp: true },
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
          callbackUrls: [consoleUrl],
          logoutUrls: [consoleUrl],
        },
        supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
        preventUserExistenceErrors: true,
        enableTokenRevocation: true,
        idTokenValidity: Duration.hours(1),
        accessTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.hours(12),
      });
      this.userPool = pool;
      signIn = { issuer: pool.userPoolProviderUrl, clientId: this.client.userPoolClientId, domain: domain.baseUrl() };
      new CfnOutput(stack, 'ConsoleUserPoolIssuer', {
        value: signIn.issuer,
        description: "The console user pool's issuer: a tenant's auth.issuer in the config",
      });
      new CfnOutput(stack, 'ConsoleClientId', {
        value: signIn.clientId,
        description: "The console's app client id: a tenant's auth.audience in the config",
      });
      new CfnOutput(stack, 'ConsoleUserPoolId', {
        value: pool.userPoolId,
        description: 'Add console users here, each to the group of their role (marketer, analyst, engineer)',
      });
      new CfnOutput(stack, 'ConsoleSignInDomain', {
        value: signIn.domain,
        description: "The user pool's sign-in pages (authorization code with PKCE)",
      });
    }

    if (existsSync(join(props.distPath, 'index.html'))) {
      this.deployment = this.deploy(props.distPath, signIn);
    } else {
      Validations.of(this).addWarning(
        'growthloop:no-console-build',
        `No console build at ${props.distPath}: the console's files are not deployed (run npm run console:build, or pass -c consoleDist=<dir>); the distribution serves the API paths only until they are.`,
      );
    }

    new CfnOutput(stack, 'ConsoleUrl', {
      value: consoleUrl,
      description: 'The console (its API calls go to the same origin: /v1/*, /openapi.json, /health)',
    });
  }

  /** Copies the build under console/ in the bucket, with the sign-in settings beside it, and invalidates the cache. */
  private deploy(distPath: string, signIn: { issuer: string; clientId: string; domain: string } | undefined) {
    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', { retention: logs.RetentionDays.ONE_MONTH });
    // A role of its own: the default one would carry the AWSLambdaBasicExecutionRole managed policy.
    const role = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'growthloop console files deployment (CDK BucketDeployment)',
    });
    logGroup.grantWrite(role);
    const deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      sources: [
        s3deploy.Source.asset(distPath),
        s3deploy.Source.jsonData(
          CONSOLE_CONFIG_FILE,
          signIn
            ? {
                oidc: {
                  issuer: signIn.issuer,
                  authorizeUrl: `${signIn.domain}/oauth2/authorize`,
                  tokenUrl: `${signIn.domain}/oauth2/token`,
                  clientId: signIn.clientId,
                  scope: 'openid email profile',
                },
              }
            : {},
        ),
      ],
      destinationBucket: this.bucket,
      destinationKeyPrefix: CONSOLE_PATH.slice(1),
      distribution: this.distribution,
      distributionPaths: [`${CONSOLE_PATH}*`],
      role,
      logGroup,
      memoryLimit: 512,
    });
    const finding = (what: string) => `AwsSolutions-IAM5[${what}]`;
    const stack = Stack.of(this);
    // The bootstrap assets bucket of the default synthesizer, as cdk-nag names it.
    const assetBucket = 'cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>';
    Validations.of(role).acknowledge(
      {
        id: finding('Action::s3:GetObject*'),
        reason:
          "CDK's BucketDeployment grants its provider function read of the build's asset objects with the s3:GetObject* family; it copies the objects of that one asset only.",
      },
      {
        id: finding('Action::s3:GetBucket*'),
        reason: "CDK's BucketDeployment grant on the asset and console buckets (location and versioning reads).",
      },
      {
        id: finding('Action::s3:List*'),
        reason: "CDK's BucketDeployment grant: it lists the console bucket to prune files the new build no longer has.",
      },
      {
        id: finding('Action::s3:DeleteObject*'),
        reason: "CDK's BucketDeployment grant: it deletes the console files a new build no longer has (prune).",
      },
      {
        id: finding('Action::s3:Abort*'),
        reason: "CDK's BucketDeployment grant: it aborts its own multipart uploads into the console bucket.",
      },
      {
        id: finding(`Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>/*`),
        reason:
          'The deployment writes, replaces and prunes the files of the console bucket: every object of that one bucket.',
      },
      {
        id: finding(`Resource::arn:<AWS::Partition>:s3:::${assetBucket}/*`),
        reason:
          "The build is a CDK file asset in the bootstrap assets bucket, under a key named by its hash at synth: the grant is CDK's, read-only, on that bucket.",
      },
      {
        id: finding('Resource::*'),
        reason:
          "cloudfront:CreateInvalidation and cloudfront:GetInvalidation, to refresh the console after a deploy: the grant is CDK's, and CloudFront invalidations take no narrower resource here (the distribution is created in the same stack).",
      },
    );
    // The provider function is CDK's, one per stack and memory size, and its Python runtime is CDK's choice.
    const provider = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          "The function is the provider of CDK's BucketDeployment custom resource: its runtime is pinned by aws-cdk-lib, and moves with it.",
      });
    }
    return deployment;
  }
}
