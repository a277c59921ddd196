import { createColors } from 'picocolors';

export type Colors = ReturnType<typeof createColors>;

/**
 * Where a command writes: human text (coloured only when stdout is a terminal and NO_COLOR is unset), or JSON for
 * scripts when `--json` was given. Commands write results to stdout; errors go to stderr in main.
 */
export interface Output {
  readonly json: boolean;
  readonly colors: Colors;
  /** A line of human output. */
  line(text: string): void;
  /** One JSON document (pretty on a terminal, one line otherwise, so `--json | jq` and NDJSON both work). */
  data(value: unknown): void;
  /** One JSON document on one line: a stream of them is NDJSON (`zkit watch --json`). */
  record(value: unknown): void;
}

export function terminalOutput(json: boolean, stream: NodeJS.WriteStream = process.stdout): Output {
  const tty = stream.isTTY === true;
  const colour = tty && !process.env.NO_COLOR;
  return {
    json,
    colors: createColors(colour),
    line: (text) => stream.write(`${text}\n`),
    data: (value) => stream.write(`${JSON.stringify(value, null, tty ? 2 : undefined)}\n`),
    record: (value) => stream.write(`${JSON.stringify(value)}\n`),
  };
}
