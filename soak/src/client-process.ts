/**
 * The soak's handle on one client process: its messages, its health as the figures define it, its counter, and
 * the signals that fault it. Every wait on it is bounded.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { SessionState } from '@zkit/client';
import { CLIENT_START_TIMEOUT_MS, CLOSE_TIMEOUT_MS, EXIT_GRACE_MS, REQUEST_TIMEOUT_MS } from './config.js';
import { Counter } from './counter.js';
import type { Identity } from './paths.js';
import type { ChildMessage, ClientConfig, Event, Reply, Request } from './protocol.js';
import { isReply } from './protocol.js';
import { within } from './sleep.js';

/** Why a process is not healed although it may be connected: a fault of its own, or the ensemble's, is on. */
export type Hold = 'starting' | 'ensemble' | 'sigstop' | 'stall' | 'worker' | 'closing';

export type Death = { readonly at: number; readonly how: 'killed' | 'closed' | 'crashed' };

type Pending = { resolve: (reply: Reply) => void; reject: (error: Error) => void };
type Body<R> = R extends Request ? Omit<R, 'id'> : never;

const TAIL_CHARS = 8192;

export class ClientProcess {
  readonly counter = new Counter();
  readonly holds = new Set<Hold>(['starting']);
  state: SessionState | 'unknown' = 'connecting';
  sessionId: string | undefined;
  /** When it last became healed: connected, no hold, ensemble serving. Undefined while it is not. */
  healAt: number | undefined;
  death: Death | undefined;
  /** The stack of an uncaught error the process reported before it died. */
  fatal: string | undefined;
  readonly exited: Promise<void>;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  readonly #stalling = new Map<number, () => void>();
  #nextId = 1;
  /** State reports from before this time (the child's clock) are stale: sent before a SIGSTOP. */
  #stateValidFrom = 0;
  #output = '';
  #ready: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(
    readonly id: Identity,
    readonly slot: number,
    script: string,
    config: ClientConfig,
    private readonly ensembleServing: () => boolean,
    private readonly verbose: boolean,
  ) {
    // execArgv []: the client runs plain compiled JavaScript, whatever flags the soak itself was started with.
    this.#child = fork(script, [JSON.stringify(config)], {
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.#child.stdout?.on('data', (chunk: Buffer) => this.#keep(chunk));
    this.#child.stderr?.on('data', (chunk: Buffer) => this.#keep(chunk));
    this.#child.on('message', (message: ChildMessage) => this.#onMessage(message));
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#onExit(code, signal);
        resolve();
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get alive(): boolean {
    return this.death === undefined;
  }

  get name(): string {
    return `client c${this.id.gen} (slot ${this.slot}, pid ${this.pid})`;
  }

  /** The last lines the process wrote (zkit's log when SOAK_LOG is set, a crash's stack). */
  get output(): string {
    return this.#output.trim();
  }

  /** Resolves when the process has connected, registered and opened its views. */
  ready(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => {
      this.#ready = { resolve, reject };
    });
    return within(ready, CLIENT_START_TIMEOUT_MS, `${this.name} to start`);
  }

  hold(reason: Hold): void {
    this.holds.add(reason);
    this.refreshHeal();
  }

  release(reason: Hold): void {
    this.holds.delete(reason);
    this.refreshHeal();
  }

  /** Healed: alive, no fault of its own or of the ensemble on, and its session connected (its own report). */
  refreshHeal(now = Date.now()): void {
    const healed =
      this.alive && this.holds.size === 0 && this.state === 'connected' && this.ensembleServing();
    if (!healed) this.healAt = undefined;
    else this.healAt ??= now;
  }

  // ---- Requests ----

  async report(): Promise<Extract<Reply, { type: 'report' }>> {
    return this.#ask({ type: 'report' }, REQUEST_TIMEOUT_MS) as Promise<Extract<Reply, { type: 'report' }>>;
  }

  async pause(timeoutMs: number): Promise<void> {
    await this.#ask({ type: 'pause' }, timeoutMs);
  }

  async resume(): Promise<void> {
    await this.#ask({ type: 'resume' }, REQUEST_TIMEOUT_MS);
  }

  /** Blocks the process's main thread for `ms`; resolves with how long it really blocked. */
  async stall(ms: number): Promise<number> {
    const id = this.#nextId;
    const started = new Promise<void>((resolve) => this.#stalling.set(id, resolve));
    const ended = this.#ask({ type: 'stall', ms }, ms + REQUEST_TIMEOUT_MS * 2);
    await within(started, REQUEST_TIMEOUT_MS, `${this.name} to start stalling`);
    const reply = await ended;
    return reply.type === 'stall-ended' ? reply.ms : ms;
  }

  /** zk.diagnostics() as JSON (or why it failed): the worker's own account, for an incident's details. */
  async diagnose(): Promise<string> {
    try {
      const reply = await this.#ask({ type: 'diagnose' }, REQUEST_TIMEOUT_MS);
      return reply.type === 'diagnostics' ? reply.json : 'unexpected reply';
    } catch (error) {
      return `no diagnostics: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** Resolves with why the worker was not replaced, if it was not. */
  async terminateWorker(timeoutMs: number): Promise<string | undefined> {
    const reply = await this.#ask({ type: 'terminate-worker' }, timeoutMs);
    return reply.type === 'worker-replaced' ? reply.error : 'unexpected reply';
  }

  /**
   * close() in the process, then a bounded wait for it to exit by itself (figure 5). Resolves false when it did
   * not (it is SIGKILLed then), with what went wrong.
   */
  async close(): Promise<{ exited: boolean; detail: string }> {
    // Closing removes its registrations: from now on they are not expected.
    this.hold('closing');
    let detail: string;
    try {
      const reply = await this.#ask({ type: 'close' }, CLOSE_TIMEOUT_MS);
      const error = reply.type === 'closed' && reply.error ? `, close() rejected: ${reply.error}` : '';
      detail = `close() took ${reply.type === 'closed' ? reply.ms : '?'} ms${error}`;
    } catch (error) {
      detail = `close() did not finish: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.#die('closed');
    try {
      await within(this.exited, EXIT_GRACE_MS, 'exit');
      return { exited: true, detail };
    } catch {
      this.#signal('SIGKILL');
      await this.exited;
      return { exited: false, detail: `${detail}; still running ${EXIT_GRACE_MS} ms later (SIGKILLed)` };
    }
  }

  // ---- Signals ----

  sigstop(): void {
    this.#signal('SIGSTOP');
  }

  /** SIGCONT; the state it reported before the stop is stale until it reports again. */
  sigcont(): void {
    this.#stateValidFrom = Date.now();
    this.state = 'unknown';
    this.refreshHeal();
    this.#signal('SIGCONT');
  }

  /** SIGKILL: a dead process, whose session lingers on the server until it expires. */
  async kill(): Promise<void> {
    this.#die('killed');
    this.#signal('SIGCONT');
    this.#signal('SIGKILL');
    await this.exited;
  }

  /** For the soak's exit handler: nothing may outlive it, a stopped process least of all. */
  killNow(): void {
    this.#signal('SIGCONT');
    this.#signal('SIGKILL');
  }

  // ---- Internals ----

  #ask(body: Body<Request>, timeoutMs: number): Promise<Reply> {
    const id = this.#nextId++;
    const reply = new Promise<Reply>((resolve, reject) => {
      if (!this.alive || !this.#child.connected) {
        reject(new Error(`${this.name} is gone`));
        return;
      }
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ ...body, id } as Request);
    });
    return within(reply, timeoutMs, `${this.name} to answer '${body.type}'`).finally(() =>
      this.#pending.delete(id),
    );
  }

  #onMessage(message: ChildMessage): void {
    if (isReply(message)) {
      this.#pending.get(message.id)?.resolve(message);
      return;
    }
    this.#onEvent(message);
  }

  #onEvent(event: Event): void {
    switch (event.type) {
      case 'ready':
        this.state = event.state;
        this.sessionId = event.sessionId;
        this.holds.delete('starting');
        this.refreshHeal();
        this.#ready?.resolve();
        return;
      case 'state':
        if (event.at < this.#stateValidFrom) return;
        this.state = event.state;
        if (event.sessionId !== undefined) this.sessionId = event.sessionId;
        this.refreshHeal();
        return;
      case 'writing':
        this.counter.onWriting(event.n);
        return;
      case 'acked':
        this.counter.onAcked(event.n);
        return;
      case 'write-failed':
        this.counter.onFailed(event.n, event.code, event.outcome);
        return;
      case 'stalling':
        this.#stalling.get(event.id)?.();
        this.#stalling.delete(event.id);
        return;
      case 'fatal':
        this.fatal = event.message;
        return;
      default:
        event satisfies never;
    }
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    // An exit the soak did not cause (no kill, no close): the process crashed.
    if (this.alive) {
      this.#die('crashed');
      this.fatal ??= `exited with ${signal ?? `code ${code}`}`;
    }
    const gone = new Error(`${this.name} exited (${signal ?? `code ${code}`})`);
    for (const pending of this.#pending.values()) pending.reject(gone);
    this.#pending.clear();
    this.#ready?.reject(new Error(`${gone.message}: ${this.fatal ?? this.output.slice(-2000)}`));
  }

  #die(how: Death['how']): void {
    if (this.death === undefined) this.death = { at: Date.now(), how };
    this.refreshHeal();
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    try {
      this.#child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  #keep(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    if (this.verbose) process.stderr.write(text);
    this.#output = (this.#output + text).slice(-TAIL_CHARS);
  }
}
