// A group in its own item, `<tenant>#GROUP#<groupId>` / `GROUP`: its state, written on top of the
// version it was read at, and its outbox (notices, rewards, the deadline's timer) decided with it
// and cleared once carried out. The item goes (TTL) 30 days after the group's deadline.
import type { Item, Key } from '../../ports';
import type { GroupNotice, GroupRewardIntent, GroupState } from './group';
import { MAX_GROUP_WINDOW_HOURS } from './settings';

const DAY = 86_400_000;
/** How long a settled group is kept after its deadline (redeliveries within it change nothing). */
const KEPT_AFTER_DEADLINE_MS = 30 * DAY;

export const groupKey = (tenantId: string, groupId: string): Key => ({
  pk: `${tenantId}#GROUP#${groupId}`,
  sk: 'GROUP',
});

/** What the group decided and has not carried out yet: put before anything else is decided. */
export type GroupOutbox = { notices: GroupNotice[]; rewards: GroupRewardIntent[]; timerAt?: string };

export type StoredGroup = {
  version: number;
  group: GroupState;
  unsent: GroupOutbox;
  /** When the writer of `unsent` began carrying it out: others leave it to them for a while (a lease). */
  sendingSince?: string;
  updatedAt: string;
};

export const emptyOutbox = (): GroupOutbox => ({ notices: [], rewards: [] });
export const outboxIsEmpty = (o: GroupOutbox): boolean =>
  o.notices.length === 0 && o.rewards.length === 0 && o.timerAt === undefined;

/** The item of a stored group; kept until 30 days after its deadline (or after its first join, while it waits). */
export function groupItem(tenantId: string, stored: StoredGroup): Item {
  const { group } = stored;
  const from = group.deadline ?? group.waiting[0]?.at ?? stored.updatedAt;
  const wait = group.deadline ? 0 : MAX_GROUP_WINDOW_HOURS * 3_600_000;
  const expiresAt = Math.ceil((Date.parse(from) + wait + KEPT_AFTER_DEADLINE_MS) / 1000);
  return { ...groupKey(tenantId, group.groupId), ...stored, expiresAt };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The stored group of an item; undefined for none (or one this version cannot read). */
export function storedGroupOf(item: Item | undefined): StoredGroup | undefined {
  if (!item || typeof item.version !== 'number' || !isObject(item.group)) return undefined;
  const group = item.group as GroupState;
  if (typeof group.groupId !== 'string' || !Array.isArray(group.members) || !Array.isArray(group.waiting))
    return undefined;
  const unsent = isObject(item.unsent) ? (item.unsent as GroupOutbox) : emptyOutbox();
  return {
    version: item.version,
    group,
    unsent: {
      notices: Array.isArray(unsent.notices) ? unsent.notices : [],
      rewards: Array.isArray(unsent.rewards) ? unsent.rewards : [],
      ...(typeof unsent.timerAt === 'string' ? { timerAt: unsent.timerAt } : {}),
    },
    ...(typeof item.sendingSince === 'string' ? { sendingSince: item.sendingSince } : {}),
    updatedAt: typeof item.updatedAt === 'string' ? item.updatedAt : '',
  };
}
