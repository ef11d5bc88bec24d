import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const fromRoot = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

export type HandlerFunctionProps = {
  /** Entry file relative to the project root, exporting `handler`. */
  entry: string;
  description: string;
  environment: Record<string, string>;
  timeout: Duration;
  memorySize?: number;
  /**
   * More entry points bundled beside the handler (e.g. a worker thread's code, which esbuild does not follow from
   * `new URL(..., import.meta.url)`): output file name in the bundle directory (`render-worker.mjs`) to the entry
   * file relative to the project root. Each is bundled as the handler is: ESM, node24, minified, with a source map
   * and the same banner.
   */
  extraEntries?: Record<string, string>;
};

const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
const TARGET = 'node24';
/** What NodejsFunction leaves out of the handler's bundle (the runtime's AWS SDK v3, with cdk.json's flags). */
const EXTERNALS = ['@aws-sdk/*', '@smithy/*'];

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The shell commands (NodejsFunction `commandHooks.afterBundling`) that bundle each extra entry into the output
 * directory with the project's own esbuild, with the settings of the handler's bundle.
 */
export function extraEntryCommands(entries: Record<string, string>, inputDir: string, outputDir: string): string[] {
  return Object.entries(entries).map(([outFile, entry]) => {
    if (!/^[\w.-]+\.mjs$/.test(outFile) || outFile === 'index.mjs')
      throw new Error(
        `extra entry output ${JSON.stringify(outFile)} must be a plain .mjs file name other than index.mjs`,
      );
    const args = [
      posix.join(inputDir, 'node_modules/.bin/esbuild'),
      '--bundle',
      posix.join(inputDir, entry),
      `--target=${TARGET}`,
      '--platform=node',
      '--format=esm',
      `--outfile=${posix.join(outputDir, outFile)}`,
      '--minify',
      '--sourcemap',
      ...EXTERNALS.map((external) => `--external:${external}`),
      '--log-level=error',
      `--banner:js=${BANNER}`,
      '--main-fields=module,main',
    ];
    return args.map(shellQuote).join(' ');
  });
}

/**
 * A growthloop Lambda: Node 24 on arm64, bundled locally by esbuild as ESM, logging to its own log group,
 * with X-Ray active tracing. Its role is its own (no AWS managed policy): it may write to its log group and
 * send traces, and nothing else until granted more.
 */
export class HandlerFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `growthloop ${id} function`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    // The X-Ray grant lives in a policy of its own, so the AwsSolutions-IAM5 acknowledgement below covers these two
    // actions only: a wildcard resource granted later in the role's default policy still fails synth.
    const tracing = new iam.Policy(this, 'Tracing', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(tracing).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions: X-Ray requires "*" (the same grant as the AWSXRayDaemonWriteAccess managed policy).',
    });
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: fromRoot(props.entry),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: fromRoot('package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // Stack traces point at the TypeScript sources through the bundled source map.
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: TARGET,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        logLevel: nodejs.LogLevel.ERROR,
        banner: BANNER,
        ...(props.extraEntries ? { commandHooks: extraEntryHooks(props.extraEntries) } : {}),
      },
    });
    // Active tracing, set on the function resource: the `tracing` prop would also put the X-Ray grant in the
    // role's default policy, beside every other grant, instead of the Tracing policy above.
    (this.fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
    // Traces from the first invocation on need the grant in place.
    this.fn.node.addDependency(tracing);
  }
}

function extraEntryHooks(entries: Record<string, string>): nodejs.ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => extraEntryCommands(entries, inputDir, outputDir),
  };
}

/** The bundled handler starts its template worker from this file beside it (worker-renderer.ts). */
export const RENDER_WORKER = { 'render-worker.mjs': 'functions/adapters/templates/render-worker.ts' };
