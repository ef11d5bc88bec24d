#!/usr/bin/env -S npx tsx
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, readOrCreateConfig } from '../functions/runtime/config-file';
import { startLocal } from '../functions/runtime/local';

const USAGE = `growthloop: marketing automation for e-commerce

Usage:
  growthloop start [--config FILE] [--port N] [--data-dir DIR] [--memory]
      Runs the whole system locally (no AWS account needed).
      --config    tenants and keys (default growthloop.config.json; a demo one is written if missing)
      --port      HTTP port (default 3000)
      --data-dir  where data lives between runs (default .growthloop)
      --memory    keep nothing on disk
  growthloop bench [--only PREFIX] [--json]
      Measures speed and cost side by side with anchors; writes bench/results.json.
  growthloop model fit --transactions FILE [--calibration-end DATE] [--json]
  growthloop model evaluate --transactions FILE --calibration-end DATE [--horizons 13w,26w,39w] [--json]
      Fits BG/NBD (and Gamma-Gamma); evaluates the churn score against BG/NBD alone and recency.
      FILE: CDNOW text or CSV customer_id,date,amount.
  growthloop journeys schema
  growthloop journeys validate FILE... [--channels email,sms,push,webhook] [--json]
      Prints the journey language as JSON Schema; checks journey files (see examples/journeys/).
`;

async function start(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', default: 'growthloop.config.json' },
      port: { type: 'string', default: '3000' },
      'data-dir': { type: 'string', default: '.growthloop' },
      memory: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port must be 0-65535, not ${values.port}`);
  const configPath = resolve(values.config);
  const { config, created } = readOrCreateConfig(configPath);
  if (created) {
    const [demo] = config.tenants;
    console.log(`No config found: wrote a demo config to ${configPath} with tenant "${demo?.id}". Its keys:`);
    console.log(`  export GROWTHLOOP_API_KEY=${demo?.apiKey}`);
    console.log(`  export GROWTHLOOP_ADMIN_KEY=${demo?.adminKey}`);
  }
  const runtime = await startLocal({ config, dataDir: resolve(values['data-dir']), memory: values.memory, port });
  console.log(
    `growthloop listening on ${runtime.url} (${values.memory ? 'in memory' : `data in ${resolve(values['data-dir'])}`})`,
  );
  console.log(`  POST ${runtime.url}/v1/events             x-api-key: <tenant apiKey>`);
  console.log(`  GET  ${runtime.url}/v1/customers/:id      authorization: Bearer <tenant adminKey>`);
  console.log(`  GET  ${runtime.url}/v1/model              authorization: Bearer <tenant adminKey>`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await runtime.close();
    console.log('stopped; accepted events not yet folded are kept and processed on the next start');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'bench': {
      const { runBench } = await import('../scripts/bench/run');
      return runBench(rest);
    }
    case 'journeys': {
      const { runJourneys } = await import('../scripts/journeys-cli');
      return runJourneys(rest);
    }
    case 'model': {
      const { runModel } = await import('../scripts/model-cli');
      return runModel(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof ConfigError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`growthloop: ${(e as Error).message}\n`);
  } else {
    process.stderr.write(`growthloop: ${(e as Error).stack ?? String(e)}\n`);
  }
  process.exit(2);
});
