/**
 * `growthloop templates list|get|create|preview|test`: the tenant's message templates, through the
 * admin API of a running growthloop (local or deployed).
 */

import { TEMPLATE_CHANNELS } from '../core/templates/schema';
import { API_OPTIONS, callAdmin, jsonLine, positiveInt, readJsonFile, runSubcommands, segment } from './admin-api';
import { parseOptions, UsageError } from './command';
import { type Io, processIo } from './io';
import { API_NOTES, TEMPLATES, TEMPLATES_USAGE } from './usage';

export { TEMPLATES_USAGE };

type Head = {
  templateId: string;
  latest: number;
  name?: string;
  channels: string[];
  locales: string[];
  updatedAt: string;
};
type Version = {
  id: string;
  version: number;
  name?: string;
  createdAt: string;
  channels: Record<string, Record<string, string>>;
  locales?: Record<string, Record<string, Record<string, string>>>;
};
type Rendered = Record<string, unknown> & { channel: string };
type Preview = {
  template: { id: string; version: number };
  customerId: string;
  channels: ({ channel: string; rendered: Rendered } | { channel: string; error: { code: string; message: string } })[];
};

const MAX_VERSION = 999_999;
const CHANNELS: readonly string[] = TEMPLATE_CHANNELS;
const TEST_CHANNELS = ['email', 'sms', 'push'];

const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);

function formatList(templates: Head[]): string {
  if (templates.length === 0) return 'no templates\n';
  const lines = templates.map(
    (t) =>
      `${t.templateId}  v${t.latest}  ${t.channels.join(',')}  ${t.locales.length > 0 ? t.locales.join(',') : '-'}  ${t.updatedAt}${t.name ? `  ${t.name}` : ''}\n`,
  );
  return `${templates.length} templates (id, latest version, channels, translations, updated at, name):\n${lines.join('')}`;
}

function formatParts(parts: Record<string, Record<string, string>>, by: string): string {
  return Object.entries(parts)
    .map(([channel, of]) =>
      Object.entries(of)
        .map(([name, text]) => `${by}${channel}.${name}: ${indent(text, `${by}  `)}\n`)
        .join(''),
    )
    .join('');
}

function formatVersion(t: Version): string {
  const head = `${t.id} version ${t.version} (created ${t.createdAt})${t.name ? `: ${t.name}` : ''}\n`;
  const locales = Object.entries(t.locales ?? {})
    .map(([tag, parts]) => `  [${tag}]\n${formatParts(parts, '    ')}`)
    .join('');
  return `${head}${formatParts(t.channels, '  ')}${locales}`;
}

function formatPreview(p: Preview): string {
  const head = `${p.template.id} version ${p.template.version} for ${p.customerId}:\n`;
  const body = p.channels.map((c) => {
    if ('error' in c) return `  ${c.channel}: would be skipped (${c.error.code}): ${c.error.message}\n`;
    const { channel: _channel, ...parts } = c.rendered;
    const lines = Object.entries(parts).map(
      ([name, value]) =>
        `    ${name}: ${indent(typeof value === 'string' ? value : JSON.stringify(value), '      ')}\n`,
    );
    return `  ${c.channel}:\n${lines.join('')}`;
  });
  return `${head}${body.join('')}`;
}

export function runTemplatesCli(args: readonly string[], io: Io = processIo): Promise<number> {
  return runSubcommands('templates', args, io, {
    entries: TEMPLATES,
    notes: API_NOTES,
    run: {
      async list(rest) {
        const { values } = parseOptions({ args: rest, options: API_OPTIONS });
        const answer = (await callAdmin(values, 'GET', '/v1/templates')) as { templates: Head[] };
        io.out(values.json ? jsonLine(answer) : formatList(answer.templates));
        return 0;
      },
      async get(rest) {
        const { values, positionals } = parseOptions({
          args: rest,
          options: { ...API_OPTIONS, version: { type: 'string' } },
          allowPositionals: true,
        });
        const [id, ...more] = positionals;
        if (id === undefined) throw new UsageError('name the template: growthloop templates get ID');
        if (more.length > 0) throw new UsageError(`unexpected argument "${more[0]}"`);
        const version = positiveInt('--version', values.version, MAX_VERSION);
        const query = version === undefined ? '' : `?version=${version}`;
        const answer = (await callAdmin(values, 'GET', `/v1/templates/${segment(id)}${query}`)) as Version;
        io.out(values.json ? jsonLine(answer) : formatVersion(answer));
        return 0;
      },
      async create(rest) {
        const { values, positionals } = parseOptions({
          args: rest,
          options: { ...API_OPTIONS, sample: { type: 'string' } },
          allowPositionals: true,
        });
        const [file, ...more] = positionals;
        if (file === undefined) throw new UsageError('name the template file: growthloop templates create FILE');
        if (more.length > 0) throw new UsageError(`unexpected argument "${more[0]}"`);
        const template = readJsonFile(file);
        const body = values.sample === undefined ? template : { template, sample: readJsonFile(values.sample) };
        const answer = (await callAdmin(values, 'POST', '/v1/templates', { json: body })) as Version;
        io.out(values.json ? jsonLine(answer) : `template ${answer.id} version ${answer.version} created\n`);
        return 0;
      },
      async preview(rest) {
        const { values, positionals } = parseOptions({
          args: rest,
          options: {
            ...API_OPTIONS,
            customer: { type: 'string' },
            profile: { type: 'string' },
            variables: { type: 'string' },
            version: { type: 'string' },
            channel: { type: 'string', multiple: true },
          },
          allowPositionals: true,
        });
        const [id, ...more] = positionals;
        if (id === undefined) throw new UsageError('name the template: growthloop templates preview ID');
        if (more.length > 0) throw new UsageError(`unexpected argument "${more[0]}"`);
        if (values.customer !== undefined && values.profile !== undefined)
          throw new UsageError('give --customer or --profile, not both');
        const version = positiveInt('--version', values.version, MAX_VERSION);
        const channels = values.channel?.flatMap((c) => c.split(',')).filter((c) => c !== '');
        const unknown = channels?.find((c) => !CHANNELS.includes(c));
        if (unknown !== undefined) throw new UsageError(`--channel ${unknown}: one of ${CHANNELS.join(', ')}`);
        const body = {
          ...(values.customer === undefined ? {} : { customerId: values.customer }),
          ...(values.profile === undefined ? {} : { profile: readJsonFile(values.profile) }),
          ...(values.variables === undefined ? {} : { variables: readJsonFile(values.variables) }),
          ...(version === undefined ? {} : { version }),
          ...(channels === undefined || channels.length === 0 ? {} : { channels }),
        };
        const answer = (await callAdmin(values, 'POST', `/v1/templates/${segment(id)}/preview`, {
          json: body,
        })) as Preview;
        io.out(values.json ? jsonLine(answer) : formatPreview(answer));
        return answer.channels.some((c) => 'error' in c) ? 1 : 0;
      },
      async test(rest) {
        const { values, positionals } = parseOptions({
          args: rest,
          options: {
            ...API_OPTIONS,
            customer: { type: 'string' },
            channel: { type: 'string' },
            to: { type: 'string' },
          },
          allowPositionals: true,
        });
        const [id, ...more] = positionals;
        if (id === undefined) throw new UsageError('name the template: growthloop templates test ID');
        if (more.length > 0) throw new UsageError(`unexpected argument "${more[0]}"`);
        for (const option of ['customer', 'channel', 'to'] as const)
          if (values[option] === undefined) throw new UsageError(`--${option} is required`);
        if (!TEST_CHANNELS.includes(values.channel as string))
          throw new UsageError(`--channel ${values.channel}: one of ${TEST_CHANNELS.join(', ')}`);
        const answer = (await callAdmin(values, 'POST', `/v1/templates/${segment(id)}/test`, {
          json: { customerId: values.customer, channel: values.channel, to: values.to },
        })) as { key: string; timeline: string };
        io.out(values.json ? jsonLine(answer) : `test send ${answer.key} queued; its outcome: ${answer.timeline}\n`);
        return 0;
      },
    },
  });
}
