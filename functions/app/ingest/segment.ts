import { z } from 'zod';
import { type Answer, answer, parseJsonBody, reject } from '../../contracts/answers';
import type { TenantDirectory } from '../../core/config/tenants';
import { normalizeSegmentBatch, normalizeSegmentCall, parseBasicAuthWriteKey } from '../../platforms/segment';
import type { Clock } from '../../ports';
import { type PublishDeps, publishEvents } from './publish';

export const SegmentCallCommand = z.object({
  call: z.enum(['track', 'identify', 'batch']),
  authorization: z.string().optional(),
  /** On /v1/segment/{tenantId}/... the write key must be this tenant's. */
  addressedTenantId: z.string().optional(),
  body: z.string(),
});
export type SegmentCallCommand = z.infer<typeof SegmentCallCommand>;

export type SegmentDeps = PublishDeps & { clock: Clock; tenants: TenantDirectory };

/**
 * A call in the shape of Segment's HTTP Tracking API (track, identify, batch), so Segment,
 * RudderStack or Jitsu can forward unchanged: the write key comes as the HTTP Basic user name;
 * `messageId` is the idempotency key.
 */
export async function receiveSegmentCall(deps: SegmentDeps, command: SegmentCallCommand): Promise<Answer> {
  const tenant = await deps.tenants.bySegmentWriteKey(parseBasicAuthWriteKey(command.authorization));
  const addressed = command.addressedTenantId;
  if (!tenant || (addressed !== undefined && addressed !== tenant.id)) {
    const message = 'authorization must be Basic with the write key of the tenant addressed';
    return reject(401, 'unauthorized', message, 'headers.authorization');
  }
  const parsed = parseJsonBody(command.body);
  if (!parsed.ok) return parsed.rejection;
  const options = { receivedAt: new Date(deps.clock.now()).toISOString() };
  if (command.call === 'batch') {
    const result = normalizeSegmentBatch(parsed.value, tenant.id, options);
    if (result.kind === 'rejected') return result.rejection;
    await publishEvents(deps, result.events);
    const { events, errors } = result;
    return answer(200, { success: true, accepted: events.length, rejected: errors.length, errors });
  }
  const result = normalizeSegmentCall(parsed.value, command.call, tenant.id, undefined, options);
  if (result.kind === 'rejected') return result.rejection;
  await publishEvents(deps, result.events);
  return answer(200, { success: true, accepted: result.events.length });
}
