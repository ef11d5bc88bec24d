/**
 * Templates: create a template or a new version of it (validated: every part parses, reads only
 * the template variables, and renders against a sample), read the latest or a given version,
 * list the catalog, preview for a customer, and render for a send. Items:
 * functions/core/templates/items.ts (`<tenant>#TEMPLATES`: `HEAD#<id>`, `T#<id>#V#000001`…).
 *
 * Versions are never changed: a new text is a new version. The write claims the version item
 * first (put ifAbsent; a number already claimed by a concurrent or crashed write is skipped),
 * then moves the head to it (a versioned write that never moves it back).
 */
import { jsonPath } from '../../core/json-path';
import { TemplateError, type TemplateErrorCode, type TemplateErrorJson } from '../../core/templates/errors';
import {
  fromTemplateHeadItem,
  fromTemplateVersionItem,
  HEAD_PREFIX,
  MAX_TEMPLATE_VERSION,
  type TemplateHead,
  templateHeadKey,
  templatesPk,
  templateVersionKey,
  toTemplateHeadItem,
  toTemplateVersionItem,
} from '../../core/templates/items';
import type { PartSourceToCheck, TemplateRenderer } from '../../core/templates/renderer';
import { type SampleTenant, sampleContext } from '../../core/templates/sample';
import {
  type ChannelParts,
  channelsOf,
  partSources,
  partsFor,
  type RenderedTemplate,
  TEMPLATE_CHANNELS,
  TEMPLATE_ID,
  type Template,
  type TemplateChannel,
  type TemplateContext,
  TemplateInput,
  type TemplateProfile,
} from '../../core/templates/schema';
import { type Clock, ConditionFailedError, type Store } from '../../ports';
import { writeVersioned } from '../common/versioned-write';

export type TemplatesDeps = { store: Store; clock: Clock; renderer: TemplateRenderer };

/** What is wrong with a template as posted: where (a JSON path into it), what, and the template error code. */
export type TemplateProblem = { path: string; message: string; code?: TemplateErrorCode; variable?: string };

export type CreateTemplateCommand = {
  tenant: SampleTenant;
  /** The template as posted (parsed JSON). */
  input: unknown;
  /** Variables that replace the sample's when the parts are rendered to check them. */
  sample?: Partial<TemplateContext>;
};

export type CreateTemplateResult =
  | { ok: true; template: Template; head: TemplateHead }
  | { ok: false; problems: TemplateProblem[] };

/** How many claimed numbers a write skips before it gives up (each one a concurrent write). */
const CLAIM_ATTEMPTS = 20;

const problemOf = (path: string, error: TemplateError): TemplateProblem => ({
  path,
  message: error.message,
  code: error.code,
  ...(error.variable !== undefined ? { variable: error.variable } : {}),
});

/** `channels.email.subject` → `$.channels.email.subject` (a locale tag holds `-`, never `.`). */
const pathOf = (dotted: string): string => jsonPath('$', dotted.split('.'));

/** Every problem of `input` as a template: its shape, its Liquid, and its renders against the sample. */
export async function validateTemplate(
  renderer: TemplateRenderer,
  tenant: SampleTenant,
  input: unknown,
  sample: Partial<TemplateContext> = {},
): Promise<{ input?: TemplateInput; problems: TemplateProblem[] }> {
  const parsed = TemplateInput.safeParse(input);
  if (!parsed.success)
    return {
      problems: parsed.error.issues.map((issue) => ({ path: jsonPath('$', issue.path), message: issue.message })),
    };
  const template = parsed.data;
  const problems: TemplateProblem[] = [];
  for (const [path, text] of partSources(template)) {
    const source: PartSourceToCheck = { path, text, html: path.endsWith('.email.html') };
    try {
      await renderer.check([source]);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      problems.push(problemOf(pathOf(path), e));
    }
  }
  if (problems.length > 0) return { problems };
  const context = sampleContext(tenant, sample);
  const variants: [string, ChannelParts][] = [
    ['channels', template.channels],
    ...Object.entries(template.locales ?? {}).map(([tag, parts]): [string, ChannelParts] => [`locales.${tag}`, parts]),
  ];
  for (const [where, parts] of variants) {
    for (const channel of TEMPLATE_CHANNELS) {
      const of = partsFor({ channels: parts }, channel);
      if (!of) continue;
      try {
        await renderer.render(of, context);
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        const part = e.part?.split('.')[1];
        problems.push(problemOf(pathOf(`${where}.${channel}${part ? `.${part}` : ''}`), e));
      }
    }
  }
  return problems.length > 0 ? { problems } : { input: template, problems };
}

/** Stores `input` as the next version of its template (version 1 when it is new), once it validates. */
export async function createTemplateVersion(
  deps: TemplatesDeps,
  command: CreateTemplateCommand,
): Promise<CreateTemplateResult> {
  const { input, problems } = await validateTemplate(deps.renderer, command.tenant, command.input, command.sample);
  if (!input) return { ok: false, problems };
  const { store, clock } = deps;
  const tenantId = command.tenant.id;
  const now = new Date(clock.now()).toISOString();

  const headItem = await store.get(templateHeadKey(tenantId, input.id), { consistent: true });
  const before = headItem ? fromTemplateHeadItem(headItem).head : undefined;
  let version = (before?.latest ?? 0) + 1;
  let template: Template | undefined;
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS && version <= MAX_TEMPLATE_VERSION; attempt++, version++) {
    const candidate: Template = { ...input, version, createdAt: now };
    try {
      await store.put(toTemplateVersionItem(tenantId, candidate), { ifAbsent: true });
      template = candidate;
      break;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
  if (!template)
    return {
      ok: false,
      problems: [
        { path: '$.id', message: `no version of "${input.id}" could be claimed: try again`, code: 'unavailable' },
      ],
    };
  const written = template;

  const { result } = await writeVersioned<TemplateHead>(store, {
    key: templateHeadKey(tenantId, input.id),
    decide(current) {
      const stored = current ? fromTemplateHeadItem(current) : undefined;
      if (stored && stored.head.latest >= written.version) return { result: stored.head };
      const head: TemplateHead = {
        templateId: input.id,
        latest: written.version,
        ...(input.name !== undefined ? { name: input.name } : {}),
        channels: channelsOf(input),
        locales: Object.keys(input.locales ?? {}).sort(),
        createdAt: stored?.head.createdAt ?? now,
        updatedAt: now,
      };
      return { result: head, write: toTemplateHeadItem(tenantId, head, (stored?.revision ?? 0) + 1) };
    },
  });
  return { ok: true, template: written, head: result };
}

export type TemplateRef = { tenantId: string; templateId: string; version?: number };

/** A version of a template (the latest when none is given), or undefined when there is none. */
export async function getTemplate(
  deps: { store: Pick<Store, 'get'> },
  ref: TemplateRef,
): Promise<Template | undefined> {
  if (!TEMPLATE_ID.test(ref.templateId)) return undefined;
  let version = ref.version;
  if (version === undefined) {
    const head = await deps.store.get(templateHeadKey(ref.tenantId, ref.templateId));
    if (!head) return undefined;
    version = fromTemplateHeadItem(head).head.latest;
  }
  if (!Number.isSafeInteger(version) || version < 1 || version > MAX_TEMPLATE_VERSION) return undefined;
  const item = await deps.store.get(templateVersionKey(ref.tenantId, ref.templateId, version));
  return item ? fromTemplateVersionItem(item) : undefined;
}

/** The tenant's templates (their heads: no text), by id. */
export async function listTemplates(deps: Pick<TemplatesDeps, 'store'>, tenantId: string): Promise<TemplateHead[]> {
  const items = await deps.store.query(templatesPk(tenantId), { skPrefix: HEAD_PREFIX });
  return items.map((item) => fromTemplateHeadItem(item).head).sort((a, b) => a.templateId.localeCompare(b.templateId));
}

export type RenderCommand = TemplateRef & {
  channel: TemplateChannel;
  context: TemplateContext;
  /** The translation to use; by default the profile's locale. */
  locale?: string;
};

/**
 * One channel of a template rendered for a send. Throws TemplateError: `not_found` when the
 * template, the version or its parts for the channel do not exist, else the render's error.
 */
export async function renderTemplate(
  deps: { store: Pick<Store, 'get'>; renderer: TemplateRenderer },
  command: RenderCommand,
): Promise<{ template: { id: string; version: number }; rendered: RenderedTemplate }> {
  const template = await getTemplate(deps, command);
  if (!template)
    throw new TemplateError(
      'not_found',
      `template "${command.templateId}"${command.version ? ` version ${command.version}` : ''} does not exist`,
    );
  const parts = partsFor(template, command.channel, command.locale ?? command.context.profile?.locale ?? undefined);
  if (!parts)
    throw new TemplateError('not_found', `template "${template.id}" has no ${command.channel} parts`, {
      part: command.channel,
    });
  return {
    template: { id: template.id, version: template.version },
    rendered: await deps.renderer.render(parts, command.context),
  };
}

export type PreviewCommand = TemplateRef & {
  tenant: SampleTenant;
  /** The customer as templates see them (templateProfile of their stored profile). */
  profile: TemplateProfile;
  /** The channels to render; every channel of the template by default. */
  channels?: TemplateChannel[];
  locale?: string;
  /** Other variables (event, offer, coupon, unsubscribe_url), as a send would give them. */
  variables?: Omit<Partial<TemplateContext>, 'profile' | 'tenant'>;
};

export type PreviewResult =
  | {
      ok: true;
      template: { id: string; version: number };
      channels: (
        | { channel: TemplateChannel; rendered: RenderedTemplate }
        | { channel: TemplateChannel; error: TemplateErrorJson }
      )[];
    }
  | { ok: false; error: TemplateErrorJson };

/**
 * The template rendered for one customer, channel by channel: what they would get, or the error
 * that would skip the send (a missing variable names it). Nothing is sent or stored.
 */
export async function previewTemplate(
  deps: Pick<TemplatesDeps, 'store' | 'renderer'>,
  command: PreviewCommand,
): Promise<PreviewResult> {
  const template = await getTemplate(deps, command);
  if (!template)
    return {
      ok: false,
      error: new TemplateError('not_found', `template "${command.templateId}" does not exist`).toJSON(),
    };
  const context: TemplateContext = {
    ...command.variables,
    profile: command.profile,
    tenant: { id: command.tenant.id, currency: command.tenant.currency, timezone: command.tenant.timezone },
  };
  const locale = command.locale ?? command.profile.locale ?? undefined;
  const channels: Extract<PreviewResult, { ok: true }>['channels'] = [];
  for (const channel of command.channels ?? channelsOf(template)) {
    const parts = partsFor(template, channel, locale);
    if (!parts) {
      channels.push({
        channel,
        error: new TemplateError('not_found', `no ${channel} parts`, { part: channel }).toJSON(),
      });
      continue;
    }
    try {
      channels.push({ channel, rendered: await deps.renderer.render(parts, context) });
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      channels.push({ channel, error: e.toJSON() });
    }
  }
  return { ok: true, template: { id: template.id, version: template.version }, channels };
}
