// What the table holds (docs/data-model.md): one zod schema per stored item kind. Readers decode
// every item they read with its kind's schema (the from…Item functions next to the encoders
// do), never cast it; an item that does not decode throws StoredItemError, naming its key and
// the path of the first problem, so the message that read it fails and is delivered again (then
// dead-lettered) instead of folding a corrupt value into state.
//
// The schemas live in core beside the encoders that write the items (core imports only core), and
// are listed here for everything outside core: adapters, tools, tests.

import type { z } from 'zod';
import {
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
import { AuditItem, TombstoneItem } from '../core/privacy/records';
import {
  AliasItem,
  LedgerItem,
  LifecycleStateSchema,
  OrderIndexItem,
  ProfileChangeSchema,
  ProfileItem,
  ProfileLinks,
} from '../core/profiles/items';
import { ModelDiagnosticsSchema, ModelHistoryItem, ModelItem, TenantModelSchema } from '../core/scoring/model-items';

export {
  CounterValues,
  decodeCounters,
  decodeItem,
  StoredItemError,
  storedVersion,
  VersionedItem,
} from '../core/stored-item';
export {
  AliasItem,
  AuditItem,
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
  LedgerItem,
  LifecycleStateSchema,
  ModelDiagnosticsSchema,
  ModelHistoryItem,
  ModelItem,
  OrderIndexItem,
  ProfileChangeSchema,
  ProfileItem,
  ProfileLinks,
  TenantModelSchema,
  TombstoneItem,
};

/**
 * The schema of the item with this key, by its key's shape; undefined for keys of no kind listed
 * here (the local runtime's timers, `TIMERS#<hour>`, which its adapter reads itself).
 */
export function storedItemSchema(key: { pk: string; sk: string }): z.ZodType | undefined {
  const { pk, sk } = key;
  if (pk.includes('#C#')) {
    if (sk === 'PROFILE') return ProfileItem;
    if (sk === 'JOURNEYS') return CustomerJourneysItem;
    if (sk === 'ALIAS') return AliasItem;
    if (sk.startsWith('SEEN#')) return LedgerItem;
    return undefined;
  }
  if (pk.endsWith('#JOURNEYS')) {
    if (sk === 'CATALOG') return CatalogRevisionItem;
    if (sk.endsWith('#DRAFT')) return JourneyDraftItem;
    if (sk.endsWith('#STATE')) return JourneyStateItem;
    if (/#V#\d{6}$/.test(sk)) return JourneyVersionItem;
    return undefined;
  }
  if (pk.endsWith('#JSTATS')) return /#DAY#\d{4}-\d{2}-\d{2}#\d+$/.test(sk) ? DailySlotsItem : JourneyStatsItem;
  if (pk.endsWith('#MODEL')) return sk === 'CURRENT' ? ModelItem : sk.startsWith('FIT#') ? ModelHistoryItem : undefined;
  if (pk.includes('#ORDER#') && sk === 'CUSTOMER') return OrderIndexItem;
  if (pk.includes('#ERASED#') && sk === 'TOMBSTONE') return TombstoneItem;
  if (pk.endsWith('#AUDIT')) return AuditItem;
  return undefined;
}
