import { describe, expect, it } from 'vitest';
import { locatePath, pathSegments } from '../../../console/src/components/json-path';

describe('JSON paths of the API’s problems', () => {
  it('splits dotted names, indexes and quoted names', () => {
    expect(pathSegments('$.activities["wait-1h"].for')).toEqual(['activities', 'wait-1h', 'for']);
    expect(pathSegments('$.goals[0].event')).toEqual(['goals', 0, 'event']);
    expect(pathSegments('$["a \\"b\\""]')).toEqual(['a "b"']);
    expect(pathSegments('$')).toEqual([]);
  });

  it('finds where the path’s deepest key is in the editor text', () => {
    const text = JSON.stringify(
      { id: 'x', activities: { 'wait-1h': { type: 'wait', for: 'soon' }, other: { for: '1h' } } },
      null,
      2,
    );
    const at = locatePath(text, '$.activities["wait-1h"].for');
    expect(text.slice(at, at + 5)).toBe('"for"');
    expect(at).toBeLessThan(text.indexOf('"other"'));
    expect(locatePath(text, '$.nothing.here')).toBe(0);
  });
});
