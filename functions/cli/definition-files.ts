// Definition files (journeys, campaigns) read and checked for the CLI: every file gets a report,
// a file that cannot be read or is not JSON included.
import { readFileSync } from 'node:fs';
import type { Problem } from '../core/journeys/validate';

export type FileReport = { file: string; valid: boolean; problems: Problem[] };

export function validateFiles(
  files: readonly string[],
  problemsOf: (input: unknown, file: string) => Problem[],
): FileReport[] {
  return files.map((file) => {
    let input: unknown;
    try {
      input = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      const message =
        (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON: ${(e as Error).message}`;
      return { file, valid: false, problems: [{ path: '$', message }] };
    }
    const problems = problemsOf(input, file);
    return { file, valid: problems.length === 0, problems };
  });
}

export const formatReports = (reports: readonly FileReport[]): string =>
  reports
    .map((r) =>
      r.valid ? `${r.file}: ok\n` : `${r.file}:\n${r.problems.map((p) => `  ${p.path}: ${p.message}\n`).join('')}`,
    )
    .join('');

/** `--channels email,push` as a list; undefined when not given. */
export const channelList = (text: string | undefined): string[] | undefined =>
  text
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
