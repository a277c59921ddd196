import { SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr for a long write (an import of thousands of nodes), shown only when stderr is a terminal:
 * a script's stderr stays one line per error. `update(done, total)` fits ImportOptions.onProgress.
 */
export class Progress {
  readonly #bar: SingleBar | undefined;
  #started = false;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.#bar =
      stream.isTTY === true
        ? new SingleBar({
            format: `${label} [{bar}] {value}/{total}`,
            stream,
            hideCursor: true,
            clearOnComplete: true,
          })
        : undefined;
  }

  update(done: number, total: number): void {
    if (this.#bar === undefined) return;
    if (!this.#started) {
      this.#started = true;
      this.#bar.start(total, done);
    } else {
      this.#bar.setTotal(total);
      this.#bar.update(done);
    }
  }

  stop(): void {
    if (this.#started) this.#bar?.stop();
  }
}
