// The console on AWS: its files behind CloudFront (the API on the same origin), and the Cognito user pool its
// users sign in at, with one group per role.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../../functions/core/auth/permissions';
import { createGrowthloopApp } from '../../../lib/app';
import { API_PATHS, consoleSettingsFromContext, DEFAULT_CONSOLE_DIST, PATHS_FUNCTION } from '../../../lib/console';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Violation = { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] };
type ValidationReport = { pluginReports: { pluginName: string; violations: Violation[] }[] };

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};
const tempDir = () => mkdtempSync(join(tmpdir(), 'growthloop-console-'));

/** A console build as Vite writes it (base /console/): index.html and hashed assets. */
function consoleBuild(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/console/assets/index-abc.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log("growthloop")');
  return dir;
}

function synth(context: Record<string, unknown>) {
  const outdir = tempDir();
  const { app, stack } = createGrowthloopApp({
    outdir,
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context },
  });
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  const templateJson = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, Resource> };
  return { stack, templateJson, template: Template.fromJSON(templateJson), report };
}

const nagFindings = (report: ValidationReport) =>
  report.pluginReports.filter((r) => r.pluginName === 'AwsSolutions').flatMap((r) => r.violations);
const ofType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

const built = synth({ consoleDist: consoleBuild() });
const resources = built.templateJson.Resources;
const [distribution] = ofType(resources, 'AWS::CloudFront::Distribution').map(([, r]) => r);
type Behavior = Record<string, unknown> & { PathPattern?: string; TargetOriginId: string };
const config = distribution?.Properties?.DistributionConfig as {
  DefaultCacheBehavior: Behavior;
  CacheBehaviors: Behavior[];
  Origins: { Id: string; S3OriginConfig?: unknown; CustomOriginConfig?: unknown; OriginAccessControlId?: unknown }[];
  Logging?: unknown;
};
const originOf = (behavior: Behavior) => config.Origins.find((o) => o.Id === behavior.TargetOriginId);

describe('the console hosting', () => {
  it('passes the cdk-nag AwsSolutions checks with no unacknowledged finding, with and without a build', () => {
    expect(nagFindings(built.report)).toEqual([]);
    expect(nagFindings(synth({ consoleDist: join(tempDir(), 'none') }).report)).toEqual([]);
    expect(nagFindings(synth({ consoleDist: join(tempDir(), 'none'), consoleUserPool: false }).report)).toEqual([]);
  });

  it('keeps the files in a private, encrypted, SSL-only bucket whose access is logged', () => {
    const files = ofType(resources, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('ConsoleFiles'));
    expect(files).toHaveLength(1);
    expect(files[0]?.[1].Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: expect.stringMatching(/^ConsoleAccessLogs/) },
        LogFilePrefix: 'console-bucket/',
      },
    });
    built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: files[0]?.[0] },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
          }),
        ]),
      },
    });
  });

  it('serves the files through origin access control, the app routes rewritten by a viewer-request function', () => {
    const s3 = originOf(config.DefaultCacheBehavior);
    expect(s3?.S3OriginConfig).toBeDefined();
    expect(s3?.OriginAccessControlId).toBeDefined();
    built.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      FunctionAssociations: [
        {
          EventType: 'viewer-request',
          FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/^ConsolePaths/), 'FunctionARN'] },
        },
      ],
    });
    expect(config.Logging).toBeDefined();
  });

  it('sends /v1/*, /openapi.json and /health to the HTTP API uncached, all methods, every header but Host', () => {
    expect(config.CacheBehaviors.map((b) => b.PathPattern).sort()).toEqual([...API_PATHS].sort());
    for (const behavior of config.CacheBehaviors) {
      expect(behavior, behavior.PathPattern).toMatchObject({
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        CachePolicyId: cloudfront.CachePolicy.CACHING_DISABLED.cachePolicyId,
        OriginRequestPolicyId: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
        ViewerProtocolPolicy: 'https-only',
      });
      const origin = originOf(behavior);
      expect(origin?.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
      expect(JSON.stringify(origin)).toContain('ApiEndpoint');
    }
  });

  it('deploys the build under console/ with its sign-in settings, and invalidates /console/*', () => {
    built.template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'console/',
      DistributionPaths: ['/console/*'],
      SourceMarkers: Match.arrayWith([Match.objectLike({})]),
    });
    const [[, deployer] = []] = ofType(resources, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('CustomCDKBucketDeployment'),
    );
    const role = deployer?.Properties?.Role as { 'Fn::GetAtt': [string] } | undefined;
    const roleId = role?.['Fn::GetAtt'][0] ?? '';
    expect(resources[roleId]?.Type).toBe('AWS::IAM::Role');
    expect(resources[roleId]?.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('skips the deployment with a warning when there is no build, and still synthesizes', () => {
    const { stack, templateJson } = synth({ consoleDist: join(tempDir(), 'none') });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('No console build'));
    expect(ofType(templateJson.Resources, 'Custom::CDKBucketDeployment')).toEqual([]);
    expect(ofType(templateJson.Resources, 'AWS::CloudFront::Distribution')).toHaveLength(1);
  });

  it('outputs the console URL', () => {
    built.template.hasOutput('ConsoleUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }, '/console/']] },
    });
  });
});

describe('the console user pool', () => {
  it('has a group for each role, and nobody signs up on their own', () => {
    for (const role of ROLES) built.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: role });
    built.template.resourceCountIs('AWS::Cognito::UserPoolGroup', ROLES.length);
    built.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      UserPoolTier: 'PLUS',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
    });
  });

  it('has a public app client for the console: the code grant back to the CloudFront URL, no secret', () => {
    built.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: [
        { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }, '/console/']] },
      ],
      SupportedIdentityProviders: ['COGNITO'],
    });
  });

  it('outputs the issuer and client id the tenant config takes', () => {
    built.template.hasOutput('ConsoleUserPoolIssuer', {});
    built.template.hasOutput('ConsoleClientId', {});
    built.template.hasOutput('ConsoleSignInDomain', {});
  });

  it('is left out with -c consoleUserPool=false', () => {
    const { template } = synth({ consoleDist: join(tempDir(), 'none'), consoleUserPool: 'false' });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(Object.keys(template.toJSON().Outputs ?? {})).not.toContain('ConsoleClientId');
  });

  it('refuses a consoleUserPool that is neither true nor false', () => {
    expect(() => consoleSettingsFromContext(new App({ context: { consoleUserPool: 'yes' } }))).toThrow(
      /invalid consoleUserPool/,
    );
    expect(consoleSettingsFromContext(new App())).toEqual({ userPool: true, distPath: DEFAULT_CONSOLE_DIST });
  });
});

describe('the console paths function', () => {
  type Request = { uri: string };
  const handler = new Function(`${PATHS_FUNCTION}; return handler;`)() as (event: {
    request: Request;
  }) => Request | { statusCode: number; headers: { location: { value: string } } };
  const at = (uri: string) => handler({ request: { uri } });

  it('sends / and /console to /console/', () => {
    for (const uri of ['/', '/console']) {
      expect(at(uri)).toMatchObject({ statusCode: 302, headers: { location: { value: '/console/' } } });
    }
  });

  it("gives the app's index for the app's own routes, and files as they are", () => {
    expect(at('/console/')).toEqual({ uri: '/console/index.html' });
    expect(at('/console/journeys/abandoned-checkout')).toEqual({ uri: '/console/index.html' });
    expect(at('/console/assets/index-abc.js')).toEqual({ uri: '/console/assets/index-abc.js' });
    expect(at('/favicon.ico')).toEqual({ uri: '/favicon.ico' });
  });
});
