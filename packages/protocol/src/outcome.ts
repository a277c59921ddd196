/**
 * How zkit's errors cross the thread boundary without touching comlink's process-wide transfer handlers.
 *
 *   main thread                                            worker thread
 *   facade (worker-handle.ts)                              settlingApi(service) (main.ts)
 *   api.x(args) ── comlink APPLY ───────────────────────▶ service.x(args)
 *   unwrapOutcome(): value, or throw fromWire(error) ◀─── { ok: true, value } | { ok: false, error: WireError }
 *
 * comlink's `transferHandlers` map is global to the process (and its `throw` handler copies only name, message
 * and stack). Replacing it for zkit broke every other comlink user in the process; so zkit's calls never throw
 * across the boundary at all: every method resolves with an outcome, and the main side rebuilds the error from its
 * wire form (class from `code`, with path, zkName and stack).
 */
import { asZkError, fromWire } from './errors.js';
import type { WireError } from './messages.js';

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: WireError };

/** `Api` as the worker exposes it: every method resolves with an Outcome instead of rejecting. */
export type OutcomeApi<Api> = {
  readonly [K in keyof Api]: Api[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => Promise<Outcome<R>>
    : never;
};

/**
 * An error as it crosses: a ZkError as itself; anything else is a bug in zkit, so it crosses as INTERNAL with its
 * original message and stack (a plain Error's class would be lost anyway).
 */
export function toWireError(error: unknown, path?: string): WireError {
  return asZkError(error, path).toWire();
}

export function failed(error: unknown): Outcome<never> {
  return { ok: false, error: toWireError(error) };
}

/** Runs `run`, catching what it throws (synchronously too) into the outcome. */
export async function settle<T>(run: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return failed(error);
  }
}

/** The worker side: `service`'s methods, each resolving with an Outcome. One wrapper per method, made once. */
export function settlingApi<Api extends object>(service: Api): OutcomeApi<Api> {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(service, {
    get(target, name) {
      const member: unknown = Reflect.get(target, name);
      if (typeof member !== 'function') return member;
      let wrapper = wrappers.get(name);
      if (wrapper === undefined) {
        wrapper = (...args: unknown[]) => settle(() => member.apply(target, args));
        wrappers.set(name, wrapper);
      }
      return wrapper;
    },
  }) as unknown as OutcomeApi<Api>;
}

/** The main side: the value, or the worker's error rebuilt with its class, code, path, zkName and stack. */
export function unwrapOutcome<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw fromWire(outcome.error);
}
