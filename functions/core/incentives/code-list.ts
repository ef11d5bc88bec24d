/**
 * A list of uploaded coupon codes, from a CSV file or a plain list, checked line by line: every
 * code valid (codeProblem) and each one once, compared normalized (case-insensitive, trimmed).
 * Pure: what it refuses names the line (1-based, as an editor shows it) and why.
 */

import { parse as parseCsvText } from 'csv-parse/sync';
import { codeProblem, normalizeCode } from './coupon-pool';

/** The most codes one upload takes. */
export const MAX_UPLOAD = 100_000;

export type CodeEntry = { line: number; code: string; normalized: string };
export type CodeListProblem =
  | { line: number; code: string; problem: 'invalid'; message: string }
  | { line: number; code: string; problem: 'duplicate'; firstLine: number; message: string }
  | { line: number; code: string; problem: 'exists'; poolId: string; message: string };

export type CodeList = { ok: true; entries: CodeEntry[] } | { ok: false; problems: CodeListProblem[] };

/** Column names a header row may give the code column (any case). */
const CODE_HEADERS = new Set(['code', 'codes', 'coupon', 'coupon_code', 'discount_code']);

function check(rows: { line: number; code: string }[]): CodeList {
  if (rows.length > MAX_UPLOAD)
    return {
      ok: false,
      problems: [
        {
          line: rows[MAX_UPLOAD]?.line ?? 0,
          code: '',
          problem: 'invalid',
          message: `at most ${MAX_UPLOAD} codes an upload`,
        },
      ],
    };
  const problems: CodeListProblem[] = [];
  const first = new Map<string, number>();
  const entries: CodeEntry[] = [];
  for (const { line, code } of rows) {
    const problem = codeProblem(code);
    if (problem) {
      problems.push({ line, code, problem: 'invalid', message: `line ${line}: the code ${problem}` });
      continue;
    }
    const normalized = normalizeCode(code);
    const seen = first.get(normalized);
    if (seen !== undefined) {
      problems.push({
        line,
        code,
        problem: 'duplicate',
        firstLine: seen,
        message: `line ${line}: ${JSON.stringify(code)} repeats line ${seen} (codes are compared without case)`,
      });
      continue;
    }
    first.set(normalized, line);
    entries.push({ line, code: code.trim(), normalized });
  }
  if (entries.length === 0 && problems.length === 0)
    problems.push({ line: 0, code: '', problem: 'invalid', message: 'no codes' });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, entries };
}

/** Codes given as a list: entry i is line i + 1. */
export function codesFromList(codes: readonly string[]): CodeList {
  return check(codes.map((code, i) => ({ line: i + 1, code })));
}

/**
 * Codes from a CSV file: one code a row, in the column headed `code` (or coupon, coupon_code,
 * discount_code), or in the first column when the first row is no such header. Blank lines are skipped.
 */
export function codesFromCsv(text: string): CodeList {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parseCsvText(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof rows;
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 0;
    return {
      ok: false,
      problems: [{ line, code: '', problem: 'invalid', message: `line ${line}: ${(e as Error).message}` }],
    };
  }
  let column = 0;
  let start = 0;
  const header = rows[0]?.record.map((c) => c.toLowerCase());
  const named = header?.findIndex((c) => CODE_HEADERS.has(c)) ?? -1;
  if (named >= 0) {
    column = named;
    start = 1;
  }
  return check(rows.slice(start).map(({ record, info }) => ({ line: info.lines, code: record[column] ?? '' })));
}
