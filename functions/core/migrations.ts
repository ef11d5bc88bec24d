import { z } from 'zod';
import type { Key } from '../ports';
import { ItemKey } from './stored-item';

// One-time migrations of the table keep their place in the `MIGRATIONS` partition, outside every
// tenant's keys (upper case, which no tenant id is), one item per migration.

export const MIGRATIONS_PK = 'MIGRATIONS';

/** `MIGRATIONS` / `BUYER_INDEX`: how far the one-time backfill of the buyer index has read the table. */
export const buyerBackfillKey: Key = { pk: MIGRATIONS_PK, sk: 'BUYER_INDEX' };

/** `MIGRATIONS` / `AUDIENCE_INDEX`: how far the one-time backfill of the audience index has read the table. */
export const audienceBackfillKey: Key = { pk: MIGRATIONS_PK, sk: 'AUDIENCE_INDEX' };

/**
 * An index backfill's place (functions/app/daily-run/index-backfill.ts): the scan's cursor while it
 * runs, `done` once the table was read to its end, and how many profiles it indexed.
 */
export const IndexBackfillItem = z.looseObject({
  ...ItemKey,
  cursor: z.string().optional(),
  done: z.boolean(),
  indexed: z.int(),
});
