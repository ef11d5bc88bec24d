/**
 * Entries in the batches an AWS API accepts: at most `maxEntries` a batch and `maxBytes` in all,
 * in order. An entry larger than a whole batch may be is refused with `tooLarge`'s message.
 */
export function batchesOf<T>(
  entries: readonly T[],
  limits: { maxEntries: number; maxBytes: number },
  bytesOf: (entry: T) => number,
  tooLarge: (entry: T, index: number, bytes: number) => string,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  entries.forEach((entry, index) => {
    const bytes = bytesOf(entry);
    if (bytes > limits.maxBytes) throw new Error(tooLarge(entry, index, bytes));
    if (current.length === limits.maxEntries || currentBytes + bytes > limits.maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += bytes;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}
