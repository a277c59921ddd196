/**
 * The 3-node ensemble and its faults. It knows two things the checks need: whether it serves (a fault heals only
 * once it does), and since when the leader has been counting session timeouts (a new leader, after a leader kill
 * or a whole restart, restarts every session's clock: ZooKeeper's session tracker is rebuilt from the data tree
 * with each session's full timeout).
 */
import { fourLetterWord, startZooKeeper, waitFor, type ZooKeeperHandle } from '@zkit/testing';
import { ENSEMBLE_TIMEOUT_MS, MAX_SESSION_TIMEOUT_MS, MIN_SESSION_TIMEOUT_MS, TICK_MS } from './config.js';
import { ROOT } from './paths.js';
import { delay } from './sleep.js';
import type { Truth } from './truth.js';

export class Ensemble {
  #serving = true;
  /** Undefined while a leader is down: no session can expire then. */
  #sessionClockSince: number | undefined = Date.now();
  #onChange: () => void = () => {};

  private constructor(readonly handle: ZooKeeperHandle) {}

  /** Starts three local servers (Debian's zookeeper package or ZOOKEEPER_HOME); never borrows ZK_CONNECT. */
  static async start(): Promise<Ensemble> {
    const handle = await startZooKeeper({
      servers: 3,
      provider: 'local',
      tickTime: TICK_MS,
      minSessionTimeout: MIN_SESSION_TIMEOUT_MS,
      maxSessionTimeout: MAX_SESSION_TIMEOUT_MS,
      startTimeout: ENSEMBLE_TIMEOUT_MS,
    });
    return new Ensemble(handle);
  }

  get connectionString(): string {
    return this.handle.connectionString;
  }

  /** False from a fault's start until every server serves again and the observer reads through it. */
  get serving(): boolean {
    return this.#serving;
  }

  get sessionClockSince(): number | undefined {
    return this.#sessionClockSince;
  }

  /** Called whenever `serving` changes. */
  onChange(listener: () => void): void {
    this.#onChange = listener;
  }

  /** Kills the leader or a follower, keeps it down for `downMs`, restarts it. Resolves with the server's index. */
  async killAndRestart(role: 'leader' | 'follower', downMs: number, followerChoice: number): Promise<number> {
    const leader = await this.handle.leader();
    const followers = this.handle.servers.map((s) => s.index).filter((i) => i !== leader);
    const index = role === 'leader' ? leader : followers[followerChoice % followers.length]!;
    this.#setServing(false, role === 'leader');
    await this.handle.kill(index);
    await delay(downMs);
    await this.handle.restart(index);
    return index;
  }

  /** Kills every server, keeps the ensemble down for `downMs`, starts them all again. */
  async restartAll(downMs: number): Promise<void> {
    this.#setServing(false, true);
    const indexes = this.handle.servers.map((s) => s.index);
    await Promise.all(indexes.map((i) => this.handle.kill(i)));
    await delay(downMs);
    // Together: one server alone has no quorum, and restart() waits for each to serve.
    await Promise.all(indexes.map((i) => this.handle.restart(i)));
  }

  /**
   * Resolves once every server serves with a leader and the observer reads through the ensemble: the moment a
   * fault of the ensemble heals.
   */
  async awaitServing(truth: Truth): Promise<void> {
    await waitFor(
      async () => {
        if (!this.handle.servers.every((s) => s.running)) return false;
        await this.handle.leader();
        return (await truth.exists(ROOT)) !== null;
      },
      { timeout: ENSEMBLE_TIMEOUT_MS, interval: 100, message: 'the ensemble to serve again' },
    );
    this.#setServing(true, false);
  }

  /**
   * Which servers hold a data or children watch on `path` for `sessionId` (`wchp`): for a stale view's report, it
   * tells a watch the server never had or already fired from one whose notification got lost on the client side.
   */
  async watchesOf(path: string, sessionId: string | undefined): Promise<string> {
    if (sessionId === undefined) return 'no session id';
    const wanted = `0x${sessionId.replace(/^0+/, '')}`;
    const answers = await Promise.all(
      this.handle.servers
        .filter((s) => s.running)
        .map(async (server) => {
          try {
            const holds = sessionsWatching(await fourLetterWord(server.address, 'wchp'), path).includes(
              wanted,
            );
            return `server ${server.index} ${holds ? 'has' : 'has no'} watch`;
          } catch (error) {
            return `server ${server.index}: ${error instanceof Error ? error.message : String(error)}`;
          }
        }),
    );
    return `${path} for ${wanted}: ${answers.join(', ')}`;
  }

  stop(): Promise<void> {
    return this.handle.stop();
  }

  #setServing(serving: boolean, leaderDown: boolean): void {
    this.#serving = serving;
    if (leaderDown) this.#sessionClockSince = undefined;
    else if (serving) this.#sessionClockSince ??= Date.now();
    this.#onChange();
  }
}

/** `wchp` lists each watched path, then one tab-indented session id per line. */
function sessionsWatching(wchp: string, path: string): string[] {
  const sessions: string[] = [];
  let current: string | undefined;
  for (const line of wchp.split('\n')) {
    if (line.startsWith('\t')) {
      if (current === path) sessions.push(line.trim());
    } else if (line.trim() !== '') current = line.trim();
  }
  return sessions;
}
