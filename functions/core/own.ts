/**
 * Keys that come from outside (trait names, tags, order ids, journey and activity ids, coupon
 * pools, template names, the steps of a fact path) are data, never names of the language: on a
 * plain object `map["constructor"]` is a function every object inherits, `"toString" in map` is
 * always true, and `map["__proto__"] = value` replaces the object's prototype instead of adding
 * an entry. So every read of such a key asks for an own property, and every write defines one.
 *
 * Reads never rely on a null prototype: stored items come back from JSON, DynamoDB's unmarshall
 * and structuredClone as ordinary objects, so the check has to be in the read itself.
 */

const { hasOwn } = Object;

/** Whether `map` holds an entry `key` itself (never a member it inherits). */
export const hasOwnKey = (map: object | undefined, key: string): boolean => map !== undefined && hasOwn(map, key);

/** The entry `map` holds under `key` itself; undefined when it has none, whatever objects inherit. */
export const ownValue = <V>(map: { readonly [key: string]: V } | undefined, key: string): V | undefined =>
  map !== undefined && hasOwn(map, key) ? map[key] : undefined;

/**
 * Sets the entry `key` of `map` (mutating it) as an own data property: an assignment to
 * `__proto__` would replace the prototype instead (every other name creates an own property on
 * assignment, as Object.prototype's other members are plain writable data properties).
 */
export function setOwn<V>(map: { [key: string]: V }, key: string, value: V): void {
  if (key === '__proto__')
    Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
}

/**
 * A copy of `map` with the entry `key` set. Spreading and computed keys in an object literal
 * define own properties (`{ ["__proto__"]: v }` is an entry, unlike `{ __proto__: v }`).
 */
export const withOwn = <V>(map: { readonly [key: string]: V } | undefined, key: string, value: V) =>
  ({ ...map, [key]: value }) as { [key: string]: V };

/**
 * The value at a path of keys under `root`, one own property a step, such as the fact
 * profile.traits.birthday: a step from anything but an object or array leads nowhere
 * (undefined), and so does a key the object does not hold itself.
 */
export function ownPath(root: unknown, keys: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of keys) {
    if (value === null || typeof value !== 'object' || !hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
