import { type TransferHandler, transferHandlers } from 'comlink';
import { fromWire, isZkError, zkError } from './errors.js';
import type { WireError } from './protocol.js';

interface ThrownValue {
  readonly value: unknown;
}

/**
 * Replaces comlink's `throw` handler, on both sides of the boundary: comlink's own copies only name, message and
 * stack, so an error's `code` and `path` would be lost crossing threads. comlink marks a thrown value with a
 * private symbol, so recognising one is left to its built-in handler.
 */
export function installErrorTransfer(): void {
  const builtin = transferHandlers.get('throw');
  if (builtin === undefined || builtin === errorTransferHandler) return;
  recognise = (value) => builtin.canHandle(value);
  transferHandlers.set('throw', errorTransferHandler);
}

let recognise: (value: unknown) => boolean = () => false;

const errorTransferHandler: TransferHandler<ThrownValue, WireError> = {
  canHandle: (value: unknown): value is ThrownValue => recognise(value),
  serialize: (thrown) => [toWireError(thrown.value), []],
  deserialize: (wire) => {
    throw fromWire(wire);
  },
};

function toWireError(value: unknown): WireError {
  if (isZkError(value)) return value.toWire();
  const message = value instanceof Error ? value.message : String(value);
  return zkError('ZOOKEEPER_ERROR', message).toWire();
}
