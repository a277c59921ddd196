import { stripVTControlCharacters } from 'node:util';

/** The demo's output: lines of at most 100 columns, colour and a live status line only on a terminal. */
export const WIDTH = 100;

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Colour = keyof typeof CODES;

export function visibleLength(text: string): number {
  return stripVTControlCharacters(text).length;
}

/** How long ago `since` was, as the demo's time column: `  12.3s`. */
export function clock(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`.padStart(6);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export class Printer {
  readonly colour: boolean;
  readonly #live: boolean;
  #status: (() => string) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stdout,
    readonly started = Date.now(),
  ) {
    this.#live = stream.isTTY === true;
    // https://no-color.org; FORCE_COLOR for terminals that are not TTYs to Node (e.g. some CI log viewers).
    this.colour = process.env.FORCE_COLOR !== undefined || (this.#live && process.env.NO_COLOR === undefined);
  }

  paint(colour: Colour, text: string): string {
    return this.colour ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
  }

  /** Prints one line, cut to the width (a cut line ends with '…'). */
  line(text = ''): void {
    this.#clearStatus();
    const cut = visibleLength(text) > WIDTH ? `${stripVTControlCharacters(text).slice(0, WIDTH - 1)}…` : text;
    this.stream.write(`${cut}\n`);
    this.#drawStatus();
  }

  /** A line with the demo's time column: `  12.3s  text`. */
  event(text: string): void {
    this.line(`${this.paint('dim', clock(this.started))}  ${text}`);
  }

  /** A line under the last event, aligned with its text. */
  detail(text: string): void {
    this.line(`${' '.repeat(8)}${text}`);
  }

  heading(text: string): void {
    this.line();
    this.line(this.paint('bold', this.paint('cyan', `▸ ${text}`)));
  }

  /** On a terminal, keeps `render()` drawn on the last line, refreshed 5 times a second, until `clearLive()`. */
  live(render: () => string): void {
    if (!this.#live) return;
    this.#status = render;
    this.#timer ??= setInterval(() => {
      this.#clearStatus();
      this.#drawStatus();
    }, 200);
  }

  clearLive(): void {
    this.#clearStatus();
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#status = undefined;
  }

  #clearStatus(): void {
    if (!this.#shown) return;
    this.stream.write('\r\x1b[2K');
    this.#shown = false;
  }

  #drawStatus(): void {
    if (this.#status === undefined) return;
    const text = stripVTControlCharacters(this.#status()).slice(0, WIDTH - 1);
    this.stream.write(this.paint('dim', text));
    this.#shown = true;
  }
}

/** A bar of `value / max` in `width` cells. */
export function bar(value: number, max: number, width: number): string {
  const cells = max === 0 ? 0 : Math.round((value / max) * width);
  return '█'.repeat(cells).padEnd(width, '·');
}
