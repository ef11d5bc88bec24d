// What the table holds (docs/data-model.md): one zod schema per stored item kind. Readers decode
// every item they read with its kind's schema (the from…Item functions next to the encoders
// do), never cast it; an item that does not decode throws StoredItemError, naming its key and
// the path of the first problem, so the message that read it fails and is delivered again (then
// dead-lettered) instead of folding a corrupt value into state.
//
// The schemas live in core beside the encoders that write the items (core imports only core), and
// are listed here for everything outside core: adapters, tools, tests.

import type { z } from 'zod';
import * as campaignRuns from '../core/campaigns/runs';
import * as registry from '../core/config/registry';
import * as feedback from '../core/dispatch/feedback';
import * as guardItems from '../core/dispatch/guard-items';
import * as sendRecords from '../core/dispatch/send-record';
import { couponItemSchema } from '../core/incentives/items';
import * as journeys from '../core/journeys/items';
import * as kpiAlerts from '../core/metrics/kpi-alerts';
import * as kpiSnapshot from '../core/metrics/kpi-snapshot';
import * as migrations from '../core/migrations';
import * as privacy from '../core/privacy/records';
import * as sealed from '../core/privacy/sealed';
import * as erasures from '../core/privacy/tenant-erasure';
import * as profiles from '../core/profiles/items';
import * as markers from '../core/profiles/markers';
import * as parkedRefunds from '../core/profiles/parked-refunds';
import { QuarantineItem } from '../core/quarantine';
import * as models from '../core/scoring/model-items';
import * as templates from '../core/templates/items';

export { KeyLookupItem, RegistrySaltItem, TenantEntryItem } from '../core/config/registry';
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
export { IndexBackfillItem } from '../core/migrations';
export { AuditItem, TombstoneItem } from '../core/privacy/records';
export { DataKeyItem } from '../core/privacy/sealed';
export { TenantErasureItem } from '../core/privacy/tenant-erasure';
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
  // Partitions outside every tenant's keys: upper case, which no tenant id is.
  if (pk === registry.REGISTRY_PK) {
    if (sk === registry.saltKey.sk) return registry.RegistrySaltItem;
    return sk.startsWith(registry.registryPartition.skPrefix) ? registry.TenantEntryItem : undefined;
  }
  if (pk.startsWith(registry.KEY_LOOKUP_PK_PREFIX)) return sk === 'KEY' ? registry.KeyLookupItem : undefined;
  if (pk.startsWith(feedback.SMS_INDEX_PK_PREFIX)) return sk === 'SEND' ? feedback.SmsIndexItem : undefined;
  if (pk === erasures.ERASURES_PK) return sk.startsWith('TENANT#') ? erasures.TenantErasureItem : undefined;
  if (pk === migrations.MIGRATIONS_PK) {
    const backfills = [migrations.buyerBackfillKey.sk, migrations.audienceBackfillKey.sk];
    return backfills.includes(sk) ? migrations.IndexBackfillItem : undefined;
  }
  if (pk.includes('#C#')) {
    if (sk === 'PROFILE') return markers.ProfileSlotItem;
    if (sk === sealed.DATA_KEY_SK) return sealed.DataKeyItem;
    if (sk === 'JOURNEYS') return journeys.CustomerJourneysItem;
    if (sk === 'ALIAS') return profiles.AliasItem;
    if (sk.startsWith('SEEN#')) return profiles.LedgerItem;
    if (sk.startsWith('ORDERS#')) return profiles.OrderPeriodItem;
    if (sk.startsWith(sendRecords.SEND_SK_PREFIX)) return sendRecords.SendRecordItem;
    if (sk === 'CAPS') return guardItems.CapsLogItem;
    return undefined;
  }
  if (pk.endsWith('#TEMPLATES')) {
    if (sk.startsWith(templates.HEAD_PREFIX)) return templates.TemplateHeadItem;
    return /^T#.+#V#\d{6}$/.test(sk) ? templates.TemplateVersionItem : undefined;
  }
  if (pk.endsWith('#BUDGET')) return guardItems.BudgetCounterItem;
  if (pk.endsWith('#RATE')) return guardItems.RateBucketItem;
  if (pk.endsWith('#CONTROL')) return sk === 'SALT' ? guardItems.ControlSaltItem : undefined;
  if (pk.endsWith('#JOURNEYS')) {
    if (sk === 'CATALOG') return journeys.CatalogRevisionItem;
    if (sk.endsWith('#DRAFT')) return journeys.JourneyDraftItem;
    if (sk.endsWith('#STATE')) return journeys.JourneyStateItem;
    if (/#V#\d{6}$/.test(sk)) return journeys.JourneyVersionItem;
    return undefined;
  }
  if (pk.endsWith('#JSTATS'))
    return /#DAY#\d{4}-\d{2}-\d{2}#\d+$/.test(sk) ? journeys.DailySlotsItem : journeys.JourneyStatsItem;
  if (pk.endsWith(campaignRuns.CAMPAIGNS_PK_SUFFIX)) {
    if (sk.startsWith('RUN#')) return campaignRuns.CampaignRunItem;
    return sk.startsWith('DEF#') ? campaignRuns.CampaignDefinitionItem : undefined;
  }
  if (pk.includes('#CAMPAIGN#') && sk.startsWith('PAGE#')) return campaignRuns.RunPageItem;
  if (pk.endsWith('#KPI')) {
    if (sk.startsWith('ALERT#')) return kpiAlerts.KpiAlertMarkerItem;
    if (sk === 'SNAPSHOT') return kpiSnapshot.KpiSnapshotHeadItem;
    return sk.startsWith('SNAPSHOT#') ? kpiSnapshot.KpiSnapshotChunkItem : undefined;
  }
  if (pk.endsWith('#MODEL'))
    return sk === 'CURRENT' ? models.ModelItem : sk.startsWith('FIT#') ? models.ModelHistoryItem : undefined;
  if (pk.includes('#ORDER#') && sk === 'CUSTOMER') return profiles.OrderIndexItem;
  if (pk.includes('#ORDER#') && sk.startsWith('PARKED#')) return parkedRefunds.ParkedRefundItem;
  if (pk.includes('#ERASED#') && sk === 'TOMBSTONE') return privacy.TombstoneItem;
  if (pk.endsWith('#AUDIT')) return privacy.AuditItem;
  if (pk.endsWith('#QUARANTINE')) return QuarantineItem;
  return couponItemSchema(key);
}
