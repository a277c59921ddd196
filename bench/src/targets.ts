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
