/**
 * Every time, bound and grace period of the soak in one place. The figures are counted against the grace periods
 * named here (see README.md, "How each figure is counted"); the rest only bound how long anything may wait.
 */

/** ZooKeeper's tick. Sessions expire on tick boundaries: at most one tick after their timeout. */
export const TICK_MS = 500;

/**
 * The session timeout every zkit client asks for, and gets: the ensemble's bounds (below) let it through
 * unclamped, so it is also the negotiated timeout the figures are counted against.
 */
export const SESSION_TIMEOUT_MS = 2000;

/** The observer's and the churner's session timeout: long enough to ride out a whole-ensemble restart. */
export const OBSERVER_SESSION_TIMEOUT_MS = 30_000;

/** Bounds the servers grant: the clients' 2 s and the observer's 30 s both fit. */
export const MIN_SESSION_TIMEOUT_MS = 2 * TICK_MS;
export const MAX_SESSION_TIMEOUT_MS = 60_000;

/**
 * Each client's stallTimeout. The worker hears a heartbeat every stallTimeout/4 and checks as often
 * (@zkit/client thread/heartbeat.ts), so it sees a stall of S ms as up to S + stallTimeout/2 ms of silence.
 */
export const STALL_TIMEOUT_MS = 3000;

// ---- Grace periods: what the figures are counted against ----

/** Figure 1: a view must show what ZooKeeper holds within this long of the fault healing and the writes pausing. */
export const VIEW_GRACE_MS = 1000;

/** Figure 2: a live, unstalled, connected process's registrations must be in place this long after heal. */
export const REGISTRATION_GRACE_MS = SESSION_TIMEOUT_MS;

/**
 * Figure 2: a registration seen missing is counted only if the client still reports no change of state this much
 * later: its report of a disconnect travels over IPC, and ZooKeeper may drop the node of an expired session a moment
 * before the client hears of it.
 */
export const REGISTRATION_CONFIRM_MS = 250;

/**
 * Figure 3: ZooKeeper expires a session between its timeout and one tick later (its expiry queue rounds up to the
 * next tick); one more tick covers the observer's read that sees the node gone.
 */
export const EXPIRY_SLACK_MS = 2 * TICK_MS;

/** Figure 5: a process must exit by itself within this long of its close() resolving. */
export const EXIT_GRACE_MS = 5000;

/** Extra figure: every live client must be connected again within this long of the ensemble serving again. */
export const HEAL_TIMEOUT_MS = 30_000;

/** Extra figure: after heal, an update() in flight must settle within this long when the writers pause. */
export const PAUSE_TIMEOUT_MS = 10_000;

// ---- Faults ----

/** How long a killed server (or the whole ensemble) stays down: [min, max] ms. */
export const SERVER_DOWN_MS: readonly [number, number] = [500, 3000];

/** SIGSTOP length as a multiple of the session timeout: 2x is enough for ZooKeeper to expire the session. */
export const SIGSTOP_TIMEOUTS: readonly [number, number] = [2.5, 3];

/**
 * A short stall, as a fraction of stallTimeout: at most 0.25, so even with the heartbeat's half-timeout of lag the
 * worker sees at most 0.75 x stallTimeout of silence (750 ms to spare on a loaded machine) and must keep the
 * registrations.
 */
export const SHORT_STALL: readonly [number, number] = [0.1, 0.25];

/** A long stall, as a multiple of stallTimeout: the worker removes the registrations, and restores them after. */
export const LONG_STALL: readonly [number, number] = [1.3, 1.7];

/** Plain writing between one fault's audit and the next fault: [min, max] ms. */
export const IDLE_BETWEEN_FAULTS_MS: readonly [number, number] = [1000, 3000];

// ---- Writers and views ----

/** Pause between one client's compare-and-set updates. */
export const WRITE_INTERVAL_MS = 100;

/** Pause between the churner's writes (children and data of the shared nodes). */
export const CHURN_INTERVAL_MS = 150;

/** Views each client opens and closes again and again, of the shard nodes (fresh mirrors during churn). */
export const TRANSIENT_VIEWS = 2;

/** How long a transient view stays open: [min, max] ms. */
export const TRANSIENT_VIEW_MS: readonly [number, number] = [1500, 4000];

// ---- Bounds on waits ----

/** A client process's connect, registrations and first views. */
export const CLIENT_START_TIMEOUT_MS = 30_000;

/** A request to a client process that is running (a report, a status). */
export const REQUEST_TIMEOUT_MS = 5000;

/** close() of a client process, before the exit grace starts counting. */
export const CLOSE_TIMEOUT_MS = 15_000;

/** A worker thread replaced after terminate(): the new one must serve calls within this long. */
export const WORKER_REPLACE_TIMEOUT_MS = 20_000;

/** The ensemble serving again (every server up and a leader), after a restart. */
export const ENSEMBLE_TIMEOUT_MS = 60_000;

/** One audit: polls until every view agrees, or the grace is over. */
export const AUDIT_TIMEOUT_MS = 20_000;

/** After a view is counted as stale, how long the audit keeps looking, to tell "late" from "stale for good". */
export const STALE_FOLLOW_MS = 5000;

/** Between two polls of an audit, and of the continuous registration monitor. */
export const AUDIT_POLL_MS = 100;
export const MONITOR_POLL_MS = 250;

/** The whole run may take this much longer than its --minutes of faults before it is abandoned as hung. */
export const WIND_DOWN_BOUND_MS = 4 * 60_000;
