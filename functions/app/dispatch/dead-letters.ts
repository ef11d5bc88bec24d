// Actions whose provider refused them, or kept failing until the retries ran out, are parked in
// the quarantine (queue `actions`) with the provider's reason. Replaying one (`growthloop dlq
// redrive`, POST /v1/quarantine/replay) opens its failed send record again, so that the message
// sent back is sent once more, once.
import { ActionMessage, parseBody } from '../../contracts/messages';
import { reopened, SendRecordItem, sendRecordKey } from '../../core/dispatch/send-record';
import type { QuarantineEntry } from '../../core/quarantine';
import { type Clock, ConditionFailedError, type Item, type Store } from '../../ports';

export const ACTIONS_QUEUE = 'actions';

/** Before a dead-lettered action goes back to the actions queue: its failed record waits for it again. */
export function reopenFailedSend(deps: { store: Store; clock: Clock }) {
  return async (entry: QuarantineEntry): Promise<void> => {
    if (entry.queue !== ACTIONS_QUEUE) return;
    const parsed = parseBody(ActionMessage, entry.body);
    if (!parsed.ok) return;
    const { tenantId, customerId, key } = parsed.value;
    const stored = await deps.store.get(sendRecordKey(tenantId, customerId, key), { consistent: true });
    if (!stored) return;
    const record = SendRecordItem.parse(stored);
    if (record.state !== 'failed') return;
    const now = deps.clock.now();
    try {
      await deps.store.put(reopened(record, now) as Item, {
        ifVersion: record.version,
      });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  };
}
