/**
 * The templates admin API (POST /v1/templates, GET /v1/templates, GET /v1/templates/{templateId},
 * POST /v1/templates/{templateId}/preview and /test) over the use cases of ./run.ts and
 * ./test-send.ts, for the tenant of the admin key: requests parsed, answers and refusals
 * (`{error, message, path}`, every problem of a template by JSON path) as the HTTP API documents
 * them (functions/contracts/openapi.ts).
 */
import { randomUUID } from 'node:crypto';
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import {
  MAX_TEMPLATE_BODY_BYTES,
  TemplatePreviewRequest,
  TemplateSample,
  TemplateTestSendRequest,
  TemplateVersionNumber,
} from '../../contracts/http-api';
import type { TenantRecord } from '../../core/config/tenants';
import { jsonPath } from '../../core/json-path';
import { profileKey } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import { sampleProfile } from '../../core/templates/sample';
import { TEMPLATE_ID, type TemplateContext, type TemplateProfile, templateProfile } from '../../core/templates/schema';
import type { Queue } from '../../ports';
import {
  createTemplateVersion,
  getTemplate,
  listTemplates,
  previewTemplate,
  type TemplateProblem,
  type TemplatesDeps,
} from './run';
import { sendTemplateTest } from './test-send';

/** A request on the tenant's templates: the template in the path, the version in the query, the body. */
export type TemplateRequest = {
  tenant: TenantRecord;
  templateId?: string;
  version?: string;
  contentType?: string;
  body?: string;
};

const notFound = (templateId: string, version?: number) =>
  reject(
    404,
    'not_found',
    `no template "${templateId}"${version === undefined ? '' : ` version ${version}`}`,
    version === undefined ? 'path.templateId' : 'query.version',
  );

const unavailable = () =>
  reject(503, 'unavailable', 'templates cannot be rendered here right now: retry the request', null);

function invalidTemplate(problems: TemplateProblem[]): Answer {
  const first = problems[0] as TemplateProblem;
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return reject(
    400,
    'invalid_template',
    `the template has ${count}; first: ${first.path}: ${first.message}`,
    first.path,
    {
      problems,
    },
  );
}

/** The body as JSON: JSON only (415 otherwise), at most MAX_TEMPLATE_BODY_BYTES. */
function jsonBody(request: TemplateRequest): { ok: true; value: unknown } | { ok: false; answer: Answer } {
  const type = request.contentType;
  if (type !== undefined && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type))
    return {
      ok: false,
      answer: reject(415, 'unsupported_media_type', 'the body must be JSON (application/json)', 'headers.content-type'),
    };
  const parsed = parseJsonBody(request.body ?? '', { maxBytes: MAX_TEMPLATE_BODY_BYTES });
  return parsed.ok ? parsed : { ok: false, answer: parsed.rejection };
}

const issuesOf = (issues: readonly { path: readonly PropertyKey[]; message: string }[], base = '$') =>
  issues.map((issue) => ({ path: jsonPath(base, issue.path), message: issue.message }));

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function templateRoutes(
  deps: Pick<TemplatesDeps, 'store' | 'clock'> & { renderer?: TemplatesDeps['renderer']; queue?: Queue },
) {
  const { renderer } = deps;

  return {
    /** POST /v1/templates: the template, or `{template, sample}`; 201 with the stored version. */
    async create(request: TemplateRequest): Promise<Answer> {
      const body = jsonBody(request);
      if (!body.ok) return body.answer;
      let input: unknown = body.value;
      let sample: Partial<TemplateContext> | undefined;
      let base = '$';
      if (isObject(body.value) && Object.hasOwn(body.value, 'template')) {
        const { template, sample: given, ...rest } = body.value;
        const extra = Object.keys(rest).map((key) => ({
          path: jsonPath('$', [key]),
          message: 'unknown key: the body is a template, or {template, sample}',
        }));
        const parsedSample = given === undefined ? undefined : TemplateSample.safeParse(given);
        const sampleProblems = parsedSample?.success === false ? issuesOf(parsedSample.error.issues, '$.sample') : [];
        if (extra.length > 0 || sampleProblems.length > 0) return invalidTemplate([...extra, ...sampleProblems]);
        input = template;
        sample = parsedSample?.data;
        base = '$.template';
      }
      if (!renderer) return unavailable();
      const created = await createTemplateVersion(
        { ...deps, renderer },
        { tenant: request.tenant, input, ...(sample ? { sample } : {}) },
      );
      if (!created.ok) {
        if (created.problems.some((p) => p.code === 'unavailable')) return unavailable();
        return invalidTemplate(
          created.problems.map((p) => ({ ...p, path: base === '$' ? p.path : `${base}${p.path.slice(1)}` })),
        );
      }
      return answer(201, created.template);
    },

    /** GET /v1/templates: every template's head, by id. */
    async list(request: TemplateRequest): Promise<Answer> {
      return answer(200, { templates: await listTemplates(deps, request.tenant.id) });
    },

    /** GET /v1/templates/{templateId}?version=N: that version, or the latest. */
    async read(request: TemplateRequest): Promise<Answer> {
      const templateId = request.templateId ?? '';
      let version: number | undefined;
      if (request.version !== undefined) {
        const parsed = TemplateVersionNumber.safeParse(
          /^\d{1,7}$/.test(request.version) ? Number(request.version) : NaN,
        );
        if (!parsed.success)
          return reject(400, 'invalid_request', 'version is an integer from 1 to 999999', 'query.version');
        version = parsed.data;
      }
      if (!TEMPLATE_ID.test(templateId)) return notFound(templateId);
      const template = await getTemplate(deps, {
        tenantId: request.tenant.id,
        templateId,
        ...(version === undefined ? {} : { version }),
      });
      if (!template) {
        const exists = version !== undefined && (await getTemplate(deps, { tenantId: request.tenant.id, templateId }));
        return notFound(templateId, exists ? version : undefined);
      }
      return answer(200, template);
    },

    /**
     * POST /v1/templates/{templateId}/preview: every channel (or those asked for) rendered for a
     * stored customer (`customerId`), a given profile, or the sample one; per channel the parts, or
     * the error that would skip the send. Nothing is sent or stored.
     */
    async preview(request: TemplateRequest): Promise<Answer> {
      const templateId = request.templateId ?? '';
      const body = request.body?.trim() === '' ? { ok: true as const, value: {} } : jsonBody(request);
      if (!body.ok) return body.answer;
      const parsed = TemplatePreviewRequest.safeParse(body.value);
      if (!parsed.success) {
        const problems = issuesOf(parsed.error.issues);
        const first = problems[0] as { path: string; message: string };
        return reject(400, 'invalid_request', `${first.path}: ${first.message}`, first.path, { problems });
      }
      const command = parsed.data;
      if (!TEMPLATE_ID.test(templateId)) return notFound(templateId);
      const { tenant } = request;
      let profile: TemplateProfile;
      if (command.customerId !== undefined) {
        const stored = liveProfile(
          await deps.store.get(profileKey(tenant.id, command.customerId), { consistent: true }),
        );
        if (!stored) return reject(404, 'not_found', `no profile for customer ${command.customerId}`, '$.customerId');
        profile = templateProfile(stored.profile, stored.lifecycle);
      } else profile = command.profile ?? sampleProfile(tenant);
      if (!renderer) return unavailable();
      const { profile: _profile, tenant: _tenant, ...variables } = command.variables ?? {};
      const result = await previewTemplate(
        { store: deps.store, renderer },
        {
          tenantId: tenant.id,
          templateId,
          tenant,
          profile,
          variables,
          ...(command.version === undefined ? {} : { version: command.version }),
          ...(command.channels === undefined ? {} : { channels: [...new Set(command.channels)] }),
          ...(command.locale === undefined ? {} : { locale: command.locale }),
        },
      );
      if (!result.ok) {
        const exists = command.version !== undefined && (await getTemplate(deps, { tenantId: tenant.id, templateId }));
        return exists
          ? reject(404, 'not_found', `no template "${templateId}" version ${command.version}`, '$.version')
          : notFound(templateId);
      }
      return answer(200, { template: result.template, customerId: profile.customerId, channels: result.channels });
    },

    /**
     * POST /v1/templates/{templateId}/test: the template rendered for a stored customer and sent
     * through the dispatcher to one of the tenant's test recipients (`dispatch.testRecipients`).
     * Answers 202 with the send's key; its outcome shows in the customer's timeline.
     */
    async test(request: TemplateRequest): Promise<Answer> {
      const templateId = request.templateId ?? '';
      const body = jsonBody(request);
      if (!body.ok) return body.answer;
      const parsed = TemplateTestSendRequest.safeParse(body.value);
      if (!parsed.success) {
        const problems = issuesOf(parsed.error.issues);
        const first = problems[0] as { path: string; message: string };
        return reject(400, 'invalid_request', `${first.path}: ${first.message}`, first.path, { problems });
      }
      if (!TEMPLATE_ID.test(templateId)) return notFound(templateId);
      if (!deps.queue) return reject(503, 'unavailable', 'test sends cannot be queued here', null);
      const { customerId, channel, to } = parsed.data;
      const sent = await sendTemplateTest(
        { store: deps.store, queue: deps.queue },
        { tenant: request.tenant, templateId, channel, customerId, to, sendId: randomUUID() },
      );
      if (sent.ok) return answer(202, { key: sent.key, timeline: `/v1/customers/${customerId}/timeline` });
      switch (sent.reason) {
        case 'not_a_test_recipient':
          return reject(
            400,
            'not_a_test_recipient',
            "test sends go only to the addresses listed in the tenant's dispatch.testRecipients",
            '$.to',
          );
        case 'no_template':
          return notFound(templateId);
        case 'no_channel':
          return reject(400, 'invalid_request', `template "${templateId}" has no ${channel} parts`, '$.channel');
        case 'no_customer':
          return reject(404, 'not_found', `no profile for customer ${customerId}`, '$.customerId');
      }
    },
  };
}
