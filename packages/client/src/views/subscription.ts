/** Stops what it was returned for. Call it, or let `using` do it: `using stop = view.watch(cb)`. */
export type Subscription = (() => void) & Disposable;

export function subscription(stop: () => void): Subscription {
  let stopped = false;
  const once = () => {
    if (stopped) return;
    stopped = true;
    stop();
  };
  return Object.assign(once, { [Symbol.dispose]: once });
}
