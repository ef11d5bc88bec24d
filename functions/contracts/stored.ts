// What the table holds (docs/data-model.md): one zod schema per stored item kind. Readers decode
// every item they read with its kind's schema (the from…Item functions next to the encoders
// do), never cast it; an item that does not decode throws StoredItemError, naming its key and
// the path of the first problem, so the message that read it fails and is delivered again (then
// dead-lettered) instead of folding a corrupt value into state.
//
// The schemas live in core beside the encoders that write the items (core imports only core), and
// are listed here for everything outside core: adapters, tools, tests.

import type { z } from 'zod';
import * as journeys from '../core/journeys/items';
import * as privacy from '../core/privacy/records';
import * as profiles from '../core/profiles/items';
import * as markers from '../core/profiles/markers';
import * as parkedRefunds from '../core/profiles/parked-refunds';
import { QuarantineItem } from '../core/quarantine';
import * as models from '../core/scoring/model-items';

export {
  CatalogRevisionItem,
  CustomerJourneysItem,
  CustomerJourneysSchema,
  DailySlotsItem,
  JourneyDraftItem,
  JourneyIntentSchema,
  JourneyStateItem,
  JourneyStateSchema,
  JourneyStatsItem,
  JourneyVersionItem,
} from '../core/journeys/items';
export { AuditItem, TombstoneItem } from '../core/privacy/records';
export {
  AliasItem,
  LedgerItem,
  LifecycleStateSchema,
  OrderIndexItem,
  OrderPeriodItem,
  ProfileChangeSchema,
  ProfileItem,
  ProfileLinks,
} from '../core/profiles/items';
export { ErasedMarkerItem, MergedMarkerItem, ProfileSlotItem } from '../core/profiles/markers';
export { ParkedRefundItem } from '../core/profiles/parked-refunds';
export { QuarantineItem } from '../core/quarantine';
export { ModelDiagnosticsSchema, ModelHistoryItem, ModelItem, TenantModelSchema } from '../core/scoring/model-items';
export {
  CounterValues,
  decodeCounters,
  decodeItem,
  StoredItemError,
  storedVersion,
  VersionedItem,
} from '../core/stored-item';

/**
 * The schema of the item with this key, by its key's shape; undefined for keys of no kind listed
 * here (the local runtime's timers, `TIMERS#<hour>`, which its adapter reads itself).
 */
export function storedItemSchema(key: { pk: string; sk: string }): z.ZodType | undefined {
  const { pk, sk } = key;
  if (pk.includes('#C#')) {
    if (sk === 'PROFILE') return markers.ProfileSlotItem;
    if (sk === 'JOURNEYS') return journeys.CustomerJourneysItem;
    if (sk === 'ALIAS') return profiles.AliasItem;
    if (sk.startsWith('SEEN#')) return profiles.LedgerItem;
    if (sk.startsWith('ORDERS#')) return profiles.OrderPeriodItem;
    return undefined;
  }
  if (pk.endsWith('#JOURNEYS')) {
    if (sk === 'CATALOG') return journeys.CatalogRevisionItem;
    if (sk.endsWith('#DRAFT')) return journeys.JourneyDraftItem;
    if (sk.endsWith('#STATE')) return journeys.JourneyStateItem;
    if (/#V#\d{6}$/.test(sk)) return journeys.JourneyVersionItem;
    return undefined;
  }
  if (pk.endsWith('#JSTATS'))
    return /#DAY#\d{4}-\d{2}-\d{2}#\d+$/.test(sk) ? journeys.DailySlotsItem : journeys.JourneyStatsItem;
  if (pk.endsWith('#MODEL'))
    return sk === 'CURRENT' ? models.ModelItem : sk.startsWith('FIT#') ? models.ModelHistoryItem : undefined;
  if (pk.includes('#ORDER#') && sk === 'CUSTOMER') return profiles.OrderIndexItem;
  if (pk.includes('#ORDER#') && sk.startsWith('PARKED#')) return parkedRefunds.ParkedRefundItem;
  if (pk.includes('#ERASED#') && sk === 'TOMBSTONE') return privacy.TombstoneItem;
  if (pk.endsWith('#AUDIT')) return privacy.AuditItem;
  if (pk.endsWith('#QUARANTINE')) return QuarantineItem;
  return undefined;
}
