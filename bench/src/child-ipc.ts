/**
 * The parent's side and the child's side of a child-process trial, over Node's IPC channel (JSON messages).
 *
 *   parent (observer) ── fork(script, [config JSON]) ──▶ child (the client being measured)
 *          ◀── { type: ..., ... } ── process.send ──────
 *          ── { type: ..., ... } ── child.send ────────▶
 *
 * A child runs the client whose thread it blocks or whose memory it measures, so the parent, which observes and
 * changes nodes, is never the thread being measured. Every wait for a message is bounded.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { within } from './pool.js';

export interface Message {
  readonly type: string;
}

export class ChildTrial<In extends Message, Out extends Message> {
  readonly #queue: Out[] = [];
  readonly #waiters: ((message: Out) => void)[] = [];
  readonly #exited: Promise<number | null>;
  #stderr = '';

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: Out) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      // Kept for error messages only; the last 4 KB is enough to say why a child died.
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4096);
    });
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts `script` with `config` as its one argument; `--expose-gc` so it can measure memory after a GC. */
  static start<In extends Message, Out extends Message>(script: URL, config: unknown): ChildTrial<In, Out> {
    const child = fork(script, [JSON.stringify(config)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    return new ChildTrial<In, Out>(child);
  }

  send(message: In): void {
    this.child.send(message);
  }

  /** The next message, which must be of `type` (a child reports failures as `{ type: 'failed' }`). */
  async next<T extends Out['type']>(type: T, timeoutMs: number): Promise<Extract<Out, { type: T }>> {
    const queued = this.#queue.shift();
    const message =
      queued ??
      (await within(
        Promise.race([
          new Promise<Out>((resolve) => this.#waiters.push(resolve)),
          this.#exited.then((code) => {
            throw new Error(`child exited (code ${code}) waiting for '${type}': ${this.#stderr.trim()}`);
          }),
        ]),
        timeoutMs,
        `child message '${type}' (stderr: ${this.#stderr.trim()})`,
      ));
    if (message.type !== type) {
      throw new Error(
        `child sent ${JSON.stringify(message)} while '${type}' was expected: ${this.#stderr.trim()}`,
      );
    }
    return message as Extract<Out, { type: T }>;
  }

  /** Waits for the child to end on its own, then kills it if it has not (bounded either way). */
  async finish(timeoutMs: number): Promise<void> {
    try {
      await within(this.#exited, timeoutMs, 'child to exit');
    } catch {
      this.child.kill('SIGKILL');
      await this.#exited;
    }
  }
}

/** The child's side: messages from the parent, one at a time, in order. */
export class ParentChannel<In extends Message, Out extends Message> {
  readonly #queue: In[] = [];
  readonly #waiters: ((message: In) => void)[] = [];
  #finished = false;

  constructor() {
    process.on('message', (message: In) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
    // The parent going away ends the trial: nothing is left running.
    process.on('disconnect', () => {
      if (!this.#finished) process.exit(2);
    });
  }

  /** Sends and resolves once the message is handed to the OS, so a thread about to block has really sent it. */
  send(message: Out): Promise<void> {
    return new Promise((resolve, reject) => {
      process.send?.(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** The next message, whatever its type. */
  async receive(timeoutMs: number): Promise<In> {
    return (
      this.#queue.shift() ??
      (await within(new Promise<In>((resolve) => this.#waiters.push(resolve)), timeoutMs, 'a parent message'))
    );
  }

  async next<T extends In['type']>(type: T, timeoutMs: number): Promise<Extract<In, { type: T }>> {
    const message = await this.receive(timeoutMs);
    if (message.type !== type) throw new Error(`parent sent '${message.type}' while '${type}' was expected`);
    return message as Extract<In, { type: T }>;
  }

  /** Every child entry runs through this, so a failure is reported to the parent rather than lost. */
  static async run<In extends Message, Out extends Message>(
    body: (channel: ParentChannel<In, Out>) => Promise<void>,
  ): Promise<void> {
    const channel = new ParentChannel<In, Out>();
    let code = 0;
    try {
      await body(channel);
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      code = 1;
    }
    channel.#finished = true;
    // Exit explicitly: the trial is over whatever a client left behind (that is not what this bench measures).
    process.exit(code);
  }
}
