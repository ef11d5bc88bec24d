import { z } from 'zod';
import type { Key } from '../../ports';
import { MIGRATIONS_PK } from '../migrations';
import { ItemKey } from '../stored-item';

// The one-time backfill of the audience index keeps its place beside the buyer index's, in the
// `MIGRATIONS` partition (functions/core/migrations.ts).

/** `MIGRATIONS` / `AUDIENCE_INDEX`: how far the one-time backfill of the audience index has read the table. */
export const audienceBackfillKey: Key = { pk: MIGRATIONS_PK, sk: 'AUDIENCE_INDEX' };

/**
 * The audience index backfill's place (functions/app/daily-run/audience-backfill.ts): the scan's
 * cursor while it runs, `done` once the table was read to its end, and how many profiles it indexed.
 */
export const AudienceBackfillItem = z.looseObject({
  ...ItemKey,
  cursor: z.string().optional(),
  done: z.boolean(),
  indexed: z.int(),
});
