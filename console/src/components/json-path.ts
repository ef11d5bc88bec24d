// Where a JSON path such as $.activities["wait-1h"].for or $.goals[0].event starts in the
// editor's text, so that an error can put the cursor on what it is about.

export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const pattern = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (const m of path.replace(/^\$/, '').matchAll(pattern)) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return segments;
}

/** The text offset of the deepest key of `path` that can be found in order, from the start of the text. */
export function locatePath(text: string, path: string): number {
  let at = 0;
  for (const segment of pathSegments(path)) {
    if (typeof segment === 'number') continue;
    const found = text.indexOf(JSON.stringify(segment), at);
    if (found < 0) break;
    at = found;
  }
  return at;
}
