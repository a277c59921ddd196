/**
 * The heartbeat buffer shared by both threads: one Int32 counter. The main thread bumps it from a timer, which only
 * fires when its event loop turns; the worker's stall watchdog reads it, and a counter that stops moving means the
 * main thread is wedged. This module is the one place that knows the layout.
 */
import { HEARTBEAT_INTERVAL } from './defaults.js';

/** The counter's slot in the shared Int32Array. */
const BEATS = 0;

export function heartbeatBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

/** The main thread's side: one beat. */
export function beat(beats: Int32Array): void {
  Atomics.add(beats, BEATS, 1);
}

/** The worker's side: the counter now. */
export function readBeats(beats: Int32Array): number {
  return Atomics.load(beats, BEATS);
}

/** Beat often enough that a stall is seen within a quarter of its timeout, and not more than 4 times a second. */
export function heartbeatInterval(stallTimeout: number): number {
  const { min, max } = HEARTBEAT_INTERVAL;
  return stallTimeout <= 0 ? max : Math.max(min, Math.min(max, Math.floor(stallTimeout / 4)));
}
