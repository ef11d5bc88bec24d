/**
 * `growthloop export --events --tenant ID`: the tenant's ingested events as canonical JSON lines (what
 * `growthloop import` reads), each once, personal fields opened, erased customers left out. Locally
 * from the data dir's archive (adapters/local/archive.ts); with --aws by replaying the bus's
 * EventBridge archive to the export queue and draining it (adapters/aws/archive-replay.ts).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type ArchiveReplayTarget, replayArchive } from '../adapters/aws/archive-replay';
import { createTableDataKeys } from '../adapters/aws/data-keys';
import { kmsKeyWrapper } from '../adapters/aws/kms';
import { sdkDefaults } from '../adapters/aws/sdk';
import { systemClock } from '../adapters/clock';
import { readLocalArchive } from '../adapters/local/archive';
import { createLocalDataKeys, MASTER_KEY_FILE, readOrCreateMasterKey } from '../adapters/local/data-keys';
import { type ExportCounts, exportEvents, noCounts } from '../app/export-events/run';
import type { ExportFilter } from '../core/events/archived';
import type { DataKeys, Store } from '../ports';
import { ARCHIVE_DIR } from '../runtime/local';
import { CliError, parseOptions, reportFailure, UsageError, wantsHelp } from './command';
import { type Io, processIo } from './io';
import { openRegistry, stackOutputs, WHERE } from './tenants';
import { EXPORT_USAGE } from './usage';

const OPTIONS = {
  'data-dir': WHERE['data-dir'],
  config: WHERE.config,
  aws: WHERE.aws,
  outputs: WHERE.outputs,
  events: { type: 'boolean', default: false },
  tenant: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
} as const;

const DAY_MS = 86_400_000;
const PROGRESS_EVERY = 50_000;
/** How far back an AWS export replays without --from: the archive's retention. */
const ARCHIVE_DAYS = 365;

/** `YYYY-MM-DD` (a UTC day: from its start, or to its end) or an ISO-8601 instant, as ms. */
function instant(option: string, text: string | undefined, end: boolean): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isNaN(day)) return end ? day + DAY_MS : day;
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) return Date.parse(text);
  throw new UsageError(`${option} takes YYYY-MM-DD or an ISO-8601 time, not "${text}"`);
}

type Source = { lines: AsyncIterable<string>; store: Store; dataKeys: DataKeys; close(): Promise<void> };

function outputOf(outputs: Record<string, unknown>, name: string, file: string): string {
  const value = outputs[name];
  if (typeof value !== 'string') throw new CliError(`${file} has no ${name} output: deploy this version of the stack`);
  return value;
}

async function localSource(values: { 'data-dir': string; config: string }, filter: ExportFilter): Promise<Source> {
  const dataDir = resolve(values['data-dir']);
  if (!existsSync(dataDir)) throw new CliError(`${values['data-dir']} holds no growthloop data (no such directory)`);
  const registry = await openRegistry({ ...values, aws: false });
  const masterKey = readOrCreateMasterKey(join(dataDir, MASTER_KEY_FILE));
  return {
    // Events are received after they occur: days before --from hold none of them.
    lines: readLocalArchive(join(dataDir, ARCHIVE_DIR), filter.from === undefined ? undefined : filter.from - DAY_MS),
    store: registry.store,
    dataKeys: createLocalDataKeys({ store: registry.store, clock: systemClock, masterKey }),
    close: registry.close,
  };
}

async function awsSource(outputsFile: string | undefined, filter: ExportFilter, io: Io): Promise<Source> {
  if (!outputsFile)
    throw new UsageError('--aws needs --outputs FILE (the file "cdk deploy --outputs-file FILE" wrote)');
  const outputs = stackOutputs(outputsFile);
  const target: ArchiveReplayTarget = {
    archiveArn: outputOf(outputs, 'EventArchiveArn', outputsFile),
    busArn: outputOf(outputs, 'EventBusArn', outputsFile),
    exportRuleArn: outputOf(outputs, 'ExportRuleArn', outputsFile),
    exportQueueUrl: outputOf(outputs, 'ExportQueueUrl', outputsFile),
  };
  const keyId = outputOf(outputs, 'DataKeyArn', outputsFile);
  const registry = await openRegistry({ 'data-dir': '', config: '', aws: true, outputs: outputsFile });
  const events = new EventBridgeClient(sdkDefaults);
  const sqs = new SQSClient(sdkDefaults);
  const kms = new KMSClient(sdkDefaults);
  const now = Date.now();
  const name = `growthloop-export-${now}-${randomBytes(4).toString('hex')}`;
  io.err(`replaying the event archive (${name}) to the export queue\n`);
  let lastState = '';
  return {
    lines: replayArchive({
      ...target,
      events,
      sqs,
      name,
      from: filter.from === undefined ? now - ARCHIVE_DAYS * DAY_MS : filter.from - DAY_MS,
      to: now,
      onState: (state) => {
        if (state !== lastState) io.err(`archive replay: ${state}\n`);
        lastState = state;
      },
    }),
    store: registry.store,
    dataKeys: createTableDataKeys({
      store: registry.store,
      wrapper: kmsKeyWrapper({ client: kms, keyId }),
      clock: systemClock,
    }),
    close: async () => {
      for (const client of [events, sqs, kms]) client.destroy();
      await registry.close();
    },
  };
}

/** Writes lines to the file (whole or not at all: a failed export leaves no file) or to stdout. */
function lineWriter(out: string | undefined, io: Io) {
  if (out === undefined) return { write: async (line: string) => io.out(line), done: async () => {}, abort: () => {} };
  const partial = `${out}.partial`;
  const stream = createWriteStream(partial);
  return {
    async write(line: string) {
      if (!stream.write(line)) await new Promise<void>((ready) => stream.once('drain', () => ready()));
    },
    async done() {
      await new Promise<void>((finished, failed) => stream.end((e?: Error | null) => (e ? failed(e) : finished())));
      renameSync(partial, out);
    },
    abort() {
      stream.destroy();
      rmSync(partial, { force: true });
    },
  };
}

function summary(counts: ExportCounts, out: string | undefined): string {
  const left = [
    counts.duplicates > 0 ? `${counts.duplicates} duplicates` : '',
    counts.erased > 0 ? `${counts.erased} of erased customers` : '',
    counts.unreadable > 0 ? `${counts.unreadable} unreadable archive lines` : '',
  ].filter(Boolean);
  const shredded = counts.shreddedFields > 0 ? `; ${counts.shreddedFields} erased personal fields left out` : '';
  return `exported ${counts.exported} events${out ? ` to ${out}` : ''}${left.length ? ` (left out: ${left.join(', ')})` : ''}${shredded}\n`;
}

export async function runExportCli(args: readonly string[], io: Io = processIo): Promise<number> {
  if (wantsHelp(args)) {
    io.out(EXPORT_USAGE);
    return 0;
  }
  try {
    const { values } = parseOptions({ args: [...args], options: OPTIONS });
    if (!values.events) throw new UsageError('name what to export: --events');
    if (!values.tenant)
      throw new UsageError('--tenant ID is required: an export holds one tenant, as import takes one');
    if (!values.aws && values.outputs !== undefined) throw new UsageError('--outputs goes with --aws');
    const from = instant('--from', values.from, false);
    const to = instant('--to', values.to, true);
    if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must come after --from');
    const filter: ExportFilter = {
      tenantId: values.tenant,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    };
    const source = values.aws ? await awsSource(values.outputs, filter, io) : await localSource(values, filter);
    const writer = lineWriter(values.out, io);
    const counts = noCounts();
    try {
      for await (const event of exportEvents(source, source.lines, filter, counts)) {
        await writer.write(`${JSON.stringify(event)}\n`);
        if (counts.exported % PROGRESS_EVERY === 0) io.err(`exported ${counts.exported} events...\n`);
      }
      await writer.done();
    } catch (e) {
      writer.abort();
      throw e;
    } finally {
      await source.close();
    }
    io.err(summary(counts, values.out));
    return 0;
  } catch (e) {
    return reportFailure(io, 'growthloop export', e, EXPORT_USAGE);
  }
}
