/**
 * The client process's side of the IPC channel: events and replies to the soak, requests from it.
 */
import type { ChildMessage, Request } from '../protocol.js';

let closing = false;

/**
 * Sends and resolves once the message is handed to the OS: a process about to block its thread, or that may be
 * SIGKILLed next, has really told the soak. Never rejects: a soak that went away ends this process (below).
 */
export function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || process.send === undefined) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Calls `handler` for each request, in order of arrival; a soak that goes away ends this process at once. */
export function onRequest(handler: (request: Request) => void): void {
  process.on('message', (message: Request) => handler(message));
  process.on('disconnect', () => {
    // The soak died or was killed: nothing must outlive it.
    if (!closing) process.exit(3);
  });
}

/** After close(): let go of the channel so that nothing of ours keeps the process alive. */
export function release(): void {
  closing = true;
  if (process.connected) process.disconnect();
}
