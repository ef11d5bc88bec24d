// What an erasure may leave behind: nothing naming the customer but the erased marker over their
// profile, which holds only its key, version and time until a daily pass removes it.
import { expect } from 'vitest';
import { fromAttributes } from '../../functions/adapters/aws/attributes';
import { isMarker } from '../../functions/core/profiles/markers';
import type { Item } from '../../functions/ports';

const MARKER_ATTRIBUTES = ['dueDay', 'dueShard', 'erasedAt', 'pk', 'sk', 'version'];

/** The items (plain, or as a DynamoDB scan returns them) that hold any of `secrets`, erased markers aside. */
export function itemsHolding(items: readonly (Item | Record<string, unknown>)[], secrets: readonly string[]): string[] {
  const plain = items.map((item) => (typeof item.pk === 'object' ? fromAttributes(item as never) : item)) as Item[];
  const markers = plain.filter((item) => isMarker(item) && item.erasedAt !== undefined);
  for (const marker of markers) expect(Object.keys(marker).sort()).toEqual(MARKER_ATTRIBUTES);
  return plain
    .filter((item) => !markers.includes(item))
    .map((item) => JSON.stringify(item))
    .filter((text) => secrets.some((secret) => text.includes(secret)));
}
