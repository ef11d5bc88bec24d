// Which points entries an event makes, with the programme's rules of the day written into them.
// Entry ids make them idempotent: an order earns once (`order:<id>`), a day's sign-in once
// (`sign_in:<day>`), every other event once by its id. An entry is the same whichever of its
// events makes it, so the ledger does not depend on which arrived first.
import { currencyExponent } from '../currency';
import type { CanonicalEvent } from '../events/schemas';
import { addDays, type CivilDate, DAY_MS, localDate, localDayKey, startOfLocalDay } from '../guardrails/local-clock';
import type { PointsEntry } from './ledger';
import type { PointsSettings } from './settings';

const iso = (ms: number) => new Date(ms).toISOString();

/** `date` moved by whole months, its day kept or, past the month's end, its last day (31 Jan + 1 month: 28 or 29 Feb). */
function addMonths(date: CivilDate, months: number): CivilDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { year, month, day: Math.min(date.day, lastDay) };
}

/** When points earned at `at` expire: the start of the tenant's local day `expiryMonths` after the day they were earned. */
export function expiryOf(at: number, settings: PointsSettings, timeZone: string): number {
  return startOfLocalDay(addMonths(localDate(at, timeZone), settings.expiryMonths), timeZone);
}

/** When `points.expiring` is told of points expiring at `expiresAt`: the start of the local day `reminderDays` before. */
export function reminderOf(expiresAt: number, settings: PointsSettings, timeZone: string): number {
  return startOfLocalDay(addDays(localDate(expiresAt, timeZone), -settings.reminderDays), timeZone);
}

/** Points of an order total: per major unit of its currency, rounded down. */
export function orderPoints(amount: number, currency: string, settings: PointsSettings): number {
  return Math.floor((amount / 10 ** currencyExponent(currency)) * settings.perCurrencyUnit);
}

export function entriesOf(event: CanonicalEvent, settings: PointsSettings, timeZone: string): PointsEntry[] {
  const at = Date.parse(event.occurredAt);
  const base = { at: iso(at) };
  const expiresAt = iso(expiryOf(at, settings, timeZone));
  switch (event.type) {
    case 'order_placed':
    case 'order_paid': {
      if (event.type !== settings.earnOn) return [];
      const { orderId, total } = event.properties;
      const points = orderPoints(total.amount, total.currency, settings);
      if (points <= 0) return [];
      const placed =
        event.type === 'order_placed' && event.properties.placedAt ? Date.parse(event.properties.placedAt) : at;
      return [
        {
          kind: 'earn',
          id: `order:${orderId}`,
          at: iso(placed),
          points,
          reason: 'order',
          expiresAt: iso(expiryOf(placed, settings, timeZone)),
          pendingUntil: iso(placed + settings.returnWindowDays * DAY_MS),
          orderId,
          orderTotal: total.amount,
          currency: total.currency,
        },
      ];
    }
    case 'order_cancelled':
      return [
        {
          kind: 'cancel',
          id: `cancel:${event.properties.orderId}`,
          ...base,
          orderId: event.properties.orderId,
          spentClawback: settings.spentClawback,
        },
      ];
    case 'refund': {
      const { orderId, refundId, amount } = event.properties;
      return [
        {
          kind: 'refund',
          id: `refund:${orderId}:${refundId ?? event.eventId}`,
          ...base,
          orderId,
          amount: amount.amount,
          spentClawback: settings.spentClawback,
        },
      ];
    }
    case 'sign_in': {
      const date = localDate(at, timeZone);
      const day = localDayKey(at, timeZone);
      const { points, streakBonuses, cycleDays } = settings.signIn;
      const dayStarts = startOfLocalDay(date, timeZone);
      return [
        {
          kind: 'sign_in',
          id: `sign_in:${day}`,
          at: iso(dayStarts),
          day,
          points,
          expiresAt: iso(expiryOf(dayStarts, settings, timeZone)),
          streakBonuses,
          ...(cycleDays ? { cycleDays } : {}),
        },
      ];
    }
    case 'share':
    case 'review': {
      const rule = settings[event.type];
      return [
        {
          kind: 'activity',
          id: `${event.type}:${event.eventId}`,
          ...base,
          activity: event.type,
          day: localDayKey(at, timeZone),
          points: rule.points,
          dailyLimit: rule.dailyLimit,
          expiresAt,
        },
      ];
    }
    case 'points_earned':
      return [
        {
          kind: 'earn',
          id: `grant:${event.eventId}`,
          ...base,
          points: event.properties.points,
          reason: event.properties.reason ?? 'granted',
          expiresAt,
        },
      ];
    case 'points_redeemed':
      return [
        {
          kind: 'redeem',
          id: `redeem:${event.eventId}`,
          ...base,
          points: event.properties.points,
          ...(event.properties.reason ? { reason: event.properties.reason } : {}),
        },
      ];
    default:
      return [];
  }
}

/** The entry of a points action the dispatcher carried out: available at once, once by the action's key. */
export function grantEntry(
  granted: { key: string; points: number; reason: string; at: string },
  settings: PointsSettings,
  timeZone: string,
): PointsEntry {
  const at = Date.parse(granted.at);
  return {
    kind: 'earn',
    id: `action:${granted.key}`,
    at: iso(at),
    points: granted.points,
    reason: granted.reason,
    expiresAt: iso(expiryOf(at, settings, timeZone)),
  };
}

/** Takes back what a points action granted (by the action's key), under the programme's clawback policy. */
export function revokeEntry(grantKey: string, at: string, settings: PointsSettings): PointsEntry {
  return {
    kind: 'revoke',
    id: `revoke:${grantKey}`,
    at: iso(Date.parse(at)),
    grantId: `action:${grantKey}`,
    spentClawback: settings.spentClawback,
  };
}

/** The event types that make points entries: what the loyalty queue's route takes. */
export const POINTS_EVENT_TYPES = [
  'order_placed',
  'order_paid',
  'order_cancelled',
  'refund',
  'sign_in',
  'share',
  'review',
  'points_earned',
  'points_redeemed',
] as const satisfies readonly CanonicalEvent['type'][];
