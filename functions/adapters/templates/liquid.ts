/**
 * Liquid as growthloop runs it (liquidjs; security model: liquidjs.com/tutorials/security-model):
 * - strict variables and strict filters: a variable the render was not given, or an unknown filter,
 *   fails the render (`lenientIf`: `{% if x %}` and `x | default: '…'` still test for absence);
 * - own properties only: `{{ profile.constructor }}` and `{{ x.__proto__ }}` are missing variables,
 *   not what every object inherits;
 * - no file system: the `include`, `render` and `layout` tags are removed (a template is its own
 *   text and nothing else), and lookups go to an empty in-memory mapping in any case;
 * - parseLimit, renderLimit and memoryLimit: cooperative limits that end most abuse with a `limit`
 *   error. They are not a sandbox (an empty `{% for %}` body skipped renderLimit, CVE-2026-44645),
 *   so this runs inside a worker thread that the caller terminates on a wall-clock limit
 *   (worker-renderer.ts);
 * - HTML parts auto-escape every output (`| raw` opts out); text, SMS, push and webhook parts do
 *   not (a webhook writes `{{ value | json }}`);
 * - `money` formats event money (`{amount, currency}` in minor units): `{{ cart.value | money }}`,
 *   `{{ cart.value | money: 'zh-CN' }}`.
 *
 * This module renders synchronously in the calling thread: only render-worker.ts calls it.
 */
import { Liquid, type LiquidOptions } from 'liquidjs';
import { currencyExponent } from '../../core/currency';
import { TemplateError } from '../../core/templates/errors';
import type { PartSourceToCheck } from '../../core/templates/renderer';
import {
  MAX_NESTING_DEPTH,
  MAX_OUTPUT_BYTES,
  MAX_PART_BYTES,
  MAX_RENDERED_CHARS,
  type PartsOf,
  type RenderedTemplate,
  TEMPLATE_VARIABLES,
  type TemplateContext,
  utf8Bytes,
} from '../../core/templates/schema';

export type LiquidLimits = {
  /** Characters one parse may read. */
  parseLimit: number;
  /** Milliseconds one part's render may take, checked between tags (cooperative). */
  renderLimit: number;
  /** Allocations (characters and array items) one render may make (cooperative). */
  memoryLimit: number;
};

export const DEFAULT_LIQUID_LIMITS: LiquidLimits = {
  parseLimit: MAX_PART_BYTES,
  renderLimit: 300,
  memoryLimit: 8_000_000,
};

/** No template reads a file: every lookup fails. */
const noFiles: NonNullable<LiquidOptions['fs']> = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file: string) => {
    throw new Error(`templates read no files (${file})`);
  },
  readFileSync: (file: string) => {
    throw new Error(`templates read no files (${file})`);
  },
  resolve: (_root: string, file: string) => file,
  contains: async () => false,
  containsSync: () => false,
  sep: '/',
};

function money(this: unknown, value: unknown, locale?: unknown): string {
  if (typeof value !== 'object' || value === null) throw new Error('money expects {amount, currency}');
  const { amount, currency } = value as { amount?: unknown; currency?: unknown };
  if (!Number.isSafeInteger(amount) || typeof currency !== 'string')
    throw new Error('money expects {amount: integer minor units, currency: an ISO code}');
  const digits = currencyExponent(currency);
  const tag = typeof locale === 'string' && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/.test(locale) ? locale : 'en';
  return new Intl.NumberFormat(tag, { style: 'currency', currency }).format((amount as number) / 10 ** digits);
}

function createEngine(limits: LiquidLimits, html: boolean): Liquid {
  const options: LiquidOptions = {
    strictVariables: true,
    strictFilters: true,
    lenientIf: true,
    ownPropertyOnly: true,
    templates: {},
    fs: noFiles,
    dynamicPartials: false,
    relativeReference: false,
    cache: false,
    jsTruthy: false,
    timezoneOffset: 0,
    locale: 'en-US',
    parseLimit: limits.parseLimit,
    renderLimit: limits.renderLimit,
    memoryLimit: limits.memoryLimit,
    ...(html ? { outputEscape: 'escape' as const } : {}),
  };
  const engine = new Liquid(options);
  const tags = engine.tags as Record<string, unknown>;
  for (const tag of ['include', 'render', 'layout']) delete tags[tag];
  engine.registerFilter('money', money);
  return engine;
}

const LIMIT_MESSAGES = /limit exceeded|Maximum call stack size exceeded|Invalid string length|Array buffer allocation/i;

/** Any failure of liquidjs, or of the JS under it, as a TemplateError about `part`. */
export function asTemplateError(e: unknown, part: string): TemplateError {
  if (e instanceof TemplateError) return e;
  const error = e instanceof Error ? e : new Error(String(e));
  const message = `${part}: ${error.message}`.slice(0, 1000);
  const missing = /undefined variable: ([^,]+)/.exec(error.message);
  if (error.name === 'UndefinedVariableError' || missing)
    return new TemplateError('variable', message, { part, ...(missing?.[1] ? { variable: missing[1].trim() } : {}) });
  if (LIMIT_MESSAGES.test(error.message) || error instanceof RangeError)
    return new TemplateError('limit', message, { part });
  if (error.name === 'ParseError' || error.name === 'TokenizationError' || error.name === 'AssertionError')
    return new TemplateError('parse', message, { part });
  return new TemplateError('render', message, { part });
}

const BLOCKS = new Set(['if', 'unless', 'for', 'case', 'capture', 'tablerow', 'block', 'comment', 'raw']);
const TAG = /\{%-?\s*([A-Za-z_]\w*)([\s\S]*?)-?%\}/g;

/**
 * How deeply blocks nest in `source`, as far as a scan of its tags tells (the contents of `raw`
 * and `comment` skipped, the lines of `{% liquid %}` counted as tags): liquidjs parses and
 * renders blocks recursively, so a template nested thousands deep would spend the stack (and
 * the wall-clock limit) before any other limit applies. An upper bound, not a parser.
 */
export function nestingDepth(source: string): number {
  let depth = 0;
  let deepest = 0;
  const step = (name: string) => {
    if (BLOCKS.has(name)) deepest = Math.max(deepest, ++depth);
    else if (name.startsWith('end') && BLOCKS.has(name.slice(3))) depth = Math.max(0, depth - 1);
  };
  TAG.lastIndex = 0;
  for (let match = TAG.exec(source); match; match = TAG.exec(source)) {
    const name = match[1] ?? '';
    if (name === 'raw' || name === 'comment') {
      const end = new RegExp(`\\{%-?\\s*end${name}\\s*-?%\\}`, 'g');
      end.lastIndex = TAG.lastIndex;
      const closed = end.exec(source);
      deepest = Math.max(deepest, depth + 1);
      if (!closed) break;
      TAG.lastIndex = end.lastIndex;
    } else if (name === 'liquid') {
      for (const line of (match[2] ?? '').split('\n')) {
        const word = /^\s*([A-Za-z_]\w*)/.exec(line)?.[1];
        if (word) step(word);
      }
    } else step(name);
  }
  return deepest;
}

function assertShallow(part: string, source: string) {
  const depth = nestingDepth(source);
  if (depth > MAX_NESTING_DEPTH)
    throw new TemplateError('limit', `${part}: blocks nest ${depth} deep; at most ${MAX_NESTING_DEPTH}`, { part });
}

const oneLine = (text: string) => text.replace(/[\r\n\t\v\f\u2028\u2029]+/g, ' ').trim();

function bounded(part: string, text: string, maxChars?: number): string {
  if (utf8Bytes(text) > MAX_OUTPUT_BYTES)
    throw new TemplateError('output', `${part}: the output is longer than ${MAX_OUTPUT_BYTES} bytes`, { part });
  if (maxChars !== undefined && text.length > maxChars)
    throw new TemplateError('output', `${part}: the output has ${text.length} characters; at most ${maxChars}`, {
      part,
    });
  return text;
}

/** Parsed texts a renderer keeps (each at most MAX_PART_BYTES of source). */
const PARSE_CACHE_ENTRIES = 256;

export type LiquidRenderer = {
  render(parts: PartsOf, context: TemplateContext): RenderedTemplate;
  check(sources: readonly PartSourceToCheck[]): void;
};

/** Renders in this thread: synchronous, bounded only by the cooperative limits. */
export function createLiquidRenderer(limits: LiquidLimits = DEFAULT_LIQUID_LIMITS): LiquidRenderer {
  const text = createEngine(limits, false);
  const html = createEngine(limits, true);

  /** Parsed texts by engine and source, the least recently used dropped first: a worker renders the same few templates. */
  const cache = new Map<string, ReturnType<Liquid['parse']>>();
  function parsed(engine: Liquid, part: string, source: string) {
    const key = `${engine === html ? 'h' : 't'}:${source}`;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    assertShallow(part, source);
    let templates: ReturnType<Liquid['parse']>;
    try {
      templates = engine.parse(source);
    } catch (e) {
      throw asTemplateError(e, part);
    }
    cache.set(key, templates);
    if (cache.size > PARSE_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    return templates;
  }

  function renderPart(part: string, source: string, context: TemplateContext, isHtml = false): string {
    const engine = isHtml ? html : text;
    // The output may still be a huge string: its length is checked before anything keeps it.
    let out: unknown;
    try {
      out = engine.renderSync(parsed(engine, part, source), context);
    } catch (e) {
      throw asTemplateError(e, part);
    }
    return String(out);
  }

  /** A page path or link: one line, within WeChat's length. */
  const renderLink = (part: string, source: string, context: TemplateContext): string =>
    bounded(part, oneLine(renderPart(part, source, context)), MAX_RENDERED_CHARS.wechatLink);

  /** A WeChat template message's keywords, each rendered on one line (entries copied: keywords are data). */
  function renderData(channel: string, data: Record<string, string>, context: TemplateContext): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (const [keyword, source] of Object.entries(data)) {
      const part = `${channel}.data.${keyword}`;
      out[keyword] = bounded(part, oneLine(renderPart(part, source, context)), MAX_RENDERED_CHARS.wechatValue);
    }
    return { ...out };
  }

  return {
    render({ channel, parts }, context) {
      switch (channel) {
        case 'email': {
          const subject = oneLine(renderPart('email.subject', parts.subject, context));
          const body = renderPart('email.text', parts.text, context);
          const markup = parts.html === undefined ? undefined : renderPart('email.html', parts.html, context, true);
          return {
            channel,
            subject: bounded('email.subject', subject, MAX_RENDERED_CHARS.subject),
            text: bounded('email.text', body),
            ...(markup !== undefined ? { html: bounded('email.html', markup) } : {}),
          };
        }
        case 'sms':
          return {
            channel,
            body: bounded('sms.body', renderPart('sms.body', parts.body, context).trim(), MAX_RENDERED_CHARS.smsBody),
          };
        case 'push': {
          const title = parts.title === undefined ? undefined : oneLine(renderPart('push.title', parts.title, context));
          const body = renderPart('push.body', parts.body, context).trim();
          return {
            channel,
            ...(title !== undefined ? { title: bounded('push.title', title, MAX_RENDERED_CHARS.pushTitle) } : {}),
            body: bounded('push.body', body, MAX_RENDERED_CHARS.pushBody),
          };
        }
        case 'wechat_miniprogram': {
          const page =
            parts.page === undefined ? undefined : renderLink('wechat_miniprogram.page', parts.page, context);
          return {
            channel,
            templateId: parts.templateId,
            ...(page ? { page } : {}),
            data: renderData(channel, parts.data, context),
          };
        }
        case 'wechat_oa': {
          const url = parts.url === undefined ? undefined : renderLink('wechat_oa.url', parts.url, context);
          const pagepath =
            parts.pagepath === undefined ? undefined : renderLink('wechat_oa.pagepath', parts.pagepath, context);
          return {
            channel,
            templateId: parts.templateId,
            ...(url ? { url } : {}),
            ...(pagepath ? { pagepath } : {}),
            data: renderData(channel, parts.data, context),
          };
        }
        case 'wecom':
          return {
            channel,
            text: bounded(
              'wecom.text',
              renderPart('wecom.text', parts.text, context).trim(),
              MAX_RENDERED_CHARS.wecomText,
            ),
          };
        case 'webhook': {
          const out = bounded('webhook.json', renderPart('webhook.json', parts.json, context));
          try {
            return { channel, json: JSON.parse(out) as unknown };
          } catch (e) {
            throw new TemplateError(
              'output',
              `webhook.json: the output is not JSON (${(e as Error).message}); write each value as {{ value | json }}`,
              { part: 'webhook.json' },
            );
          }
        }
      }
    },

    check(sources) {
      const allowed = new Set<string>(TEMPLATE_VARIABLES);
      for (const { path, text: source, html: isHtml } of sources) {
        const engine = isHtml ? html : text;
        let segments: (string | number)[][];
        assertShallow(path, source);
        try {
          segments = engine.globalVariableSegmentsSync(engine.parse(source)) as (string | number)[][];
        } catch (e) {
          throw asTemplateError(e, path);
        }
        for (const segment of segments) {
          const root = String(segment[0]);
          if (!allowed.has(root))
            throw new TemplateError(
              'parse',
              `${path}: reads "${segment.join('.')}"; templates read only ${TEMPLATE_VARIABLES.join(', ')}`,
              { part: path, variable: segment.join('.') },
            );
        }
      }
    },
  };
}
