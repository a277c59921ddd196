/** The targets, in one place. */

/** zkit's p50 minus the direct client's, per operation. */
export const ADDED_LATENCY_US = 50;
/** zkit's throughput with 64 in flight as a share of the direct client's. */
export const THROUGHPUT_SHARE = 0.8;
/** From the change to the main-thread callback. */
export const NOTIFICATION_P50_US = 1000;
export const NOTIFICATION_P99_US = 5000;
/** One child added or removed in a big view: main-thread time and bytes across the thread boundary. */
export const CHANGE_BUSY_US = 1000;
export const CHANGE_BYTES = 1024;

/**
 * Issue 17: what a process pays for zkit, held against the floor of any worker design (a bare worker thread running
 * node-zookeeper-client, measured in the same run) rather than against the direct client.
 */
/** zkit's p50 added latency over the direct client may exceed the floor's by this much, per operation. */
export const FLOOR_LATENCY_MARGIN_US = 30;
/** This process's CPU per operation (all threads), 64 in flight, as a multiple of the direct client's. */
export const CPU_PER_OP_RATIO = 1.5;
/** Process RSS with one session, one registration and one view, over the floor's. */
export const RSS_OVER_FLOOR_MIB = 3;
/** Time to a connected session in a fresh process, over the floor's. */
export const STARTUP_OVER_FLOOR_MS = 15;
