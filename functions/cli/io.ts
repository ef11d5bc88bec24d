/** Where a CLI command writes: the report on `out` (stdout), progress and errors on `err` (stderr). */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};
