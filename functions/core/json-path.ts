/** A key or index appended to a JSON path: `.name`, `[3]`, or `["odd key"]`. */
export const childPath = (path: string, key: PropertyKey): string =>
  typeof key === 'number'
    ? `${path}[${key}]`
    : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(key))
      ? `${path}.${String(key)}`
      : `${path}[${JSON.stringify(String(key))}]`;

/** The JSON path of a zod issue path (or any list of keys) under `base`, e.g. `$.batch[2].properties`. */
export const jsonPath = (base: string, path: readonly PropertyKey[]): string => path.reduce<string>(childPath, base);
