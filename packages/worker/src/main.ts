/**
 * The worker's entry. It owns the ZooKeeper session; the main thread drives it through comlink and hears from it
 * through tagged events on the same port (see @zkit/protocol's messages.ts for the whole diagram).
 *
 *   parentPort ── CoalescingPort ──┬── comlink requests ──▶ settlingApi(service): replies are Outcomes, never throws
 *                                  ├── tagged commands ──▶ service.command()
 *                                  ◀── tagged events ───── emit() (state, diffs, data, logs), before later replies
 */
import { parentPort } from 'node:worker_threads';
import {
  CoalescingPort,
  EVENT_TAG,
  isTaggedCommand,
  settlingApi,
  type TaggedEvent,
  type WorkerEvent,
} from '@zkit/protocol';
import { expose } from 'comlink';
import { errorFields } from './log-forward.js';
import { WorkerService } from './service.js';

if (!parentPort) throw new Error('@zkit/worker must be started as a worker thread');
// What the port could not deliver is logged through the main thread's logger, as everything the worker logs.
const port = new CoalescingPort(parentPort, (error) =>
  emit({ type: 'log', level: 'error', fields: errorFields(error), msg: 'a message across threads failed' }),
);

function emit(event: WorkerEvent): void {
  port.post({ [EVENT_TAG]: true, event } satisfies TaggedEvent);
}
const service = new WorkerService(emit);
// Errors cross inside the reply (@zkit/protocol's outcome.ts): comlink's process-wide transfer handlers stay as they are.
expose(settlingApi(service), port.endpoint());
port.onMessage((data) => {
  if (isTaggedCommand(data)) service.command(data.command);
});
