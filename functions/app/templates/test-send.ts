// A template's test send: the template rendered for one of the tenant's customers and sent through
// the dispatcher (so what arrives is what a send would be) to one of the tenant's test recipients,
// never to the customer. It is transactional: no caps, quiet hours or control group hold it back.
import type { ActionMessage } from '../../contracts/messages';
import type { TenantRecord } from '../../core/config/tenants';
import { isTestRecipient } from '../../core/dispatch/settings';
import { profileKey } from '../../core/profiles/items';
import { liveProfile } from '../../core/profiles/markers';
import { partsFor, type TemplateChannel } from '../../core/templates/schema';
import type { Queue, Store } from '../../ports';
import { ACTIONS_QUEUE } from '../dispatch/dead-letters';
import { getTemplate } from './run';

export type TestSendCommand = {
  tenant: TenantRecord;
  templateId: string;
  channel: Exclude<TemplateChannel, 'webhook'>;
  customerId: string;
  to: string;
  /** Tells this send apart from the others (random). */
  sendId: string;
};

export type TestSendResult =
  | { ok: true; key: string }
  | { ok: false; reason: 'not_a_test_recipient' | 'no_template' | 'no_channel' | 'no_customer' };

export async function sendTemplateTest(
  deps: { store: Store; queue: Queue },
  command: TestSendCommand,
): Promise<TestSendResult> {
  const { tenant, templateId, channel, customerId, to } = command;
  if (!isTestRecipient(tenant.dispatch, to)) return { ok: false, reason: 'not_a_test_recipient' };
  const template = await getTemplate(deps, { tenantId: tenant.id, templateId });
  if (!template) return { ok: false, reason: 'no_template' };
  if (!partsFor(template, channel, undefined)) return { ok: false, reason: 'no_channel' };
  if (!liveProfile(await deps.store.get(profileKey(tenant.id, customerId))))
    return { ok: false, reason: 'no_customer' };
  const key = `${tenant.id}:test:${templateId}:${command.sendId}`;
  const message: ActionMessage = {
    key,
    tenantId: tenant.id,
    customerId,
    version: template.version,
    instanceId: command.sendId,
    activity: 'test',
    action: { kind: channel, template: templateId },
    purpose: 'transactional',
    testTo: to,
  };
  await deps.queue.send(ACTIONS_QUEUE, [JSON.stringify(message)]);
  return { ok: true, key };
}
