// Template reads for sends, kept in the process: a version never changes once written, so it is
// read once; a template's head (which version is the latest) is read again after a short while,
// so a new version reaches sends within HEAD_TTL_MS without a read of the head for every send.
import { HEAD_PREFIX } from '../../core/templates/items';
import type { Clock, Item, Key, Store } from '../../ports';

export const HEAD_TTL_MS = 2_000;
/** Versions kept at most (the least recently read go first). */
const MAX_VERSIONS = 2_000;

export function cachedTemplateReads(store: Pick<Store, 'get'>, clock: Clock): Pick<Store, 'get'> {
  const heads = new Map<string, { item: Item | undefined; until: number }>();
  const versions = new Map<string, Item>();

  return {
    async get(key: Key) {
      const id = `${key.pk}\u0000${key.sk}`;
      if (key.sk.startsWith(HEAD_PREFIX)) {
        const known = heads.get(id);
        if (known && known.until > clock.now()) return known.item;
        const item = await store.get(key);
        heads.set(id, { item, until: clock.now() + HEAD_TTL_MS });
        return item;
      }
      const known = versions.get(id);
      if (known) {
        versions.delete(id);
        versions.set(id, known);
        return known;
      }
      const item = await store.get(key);
      if (item) {
        versions.set(id, item);
        if (versions.size > MAX_VERSIONS) versions.delete(versions.keys().next().value as string);
      }
      return item;
    },
  };
}
