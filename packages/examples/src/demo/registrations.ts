import type { Children, Subscription } from '@zkit/client';
import type { Demo } from './context.js';
import { nameOf } from './context.js';

/**
 * Prints a line whenever a node goes from `view` (the moment it happens, which is the point of the demo: a
 * killed server's node goes when its session expires, a stopped one's at once). Nodes that appear are printed
 * by the scene that started their process, which knows their names; one that comes back is printed here.
 */
export function printRemovals(demo: Demo, view: Children, kind: string): Subscription {
  let previous = new Set(view);
  const gone = new Set<string>();
  return view.watch((live) => {
    const now = new Set(live);
    for (const address of previous) {
      if (!now.has(address)) {
        gone.add(address);
        demo.out.event(
          `${demo.out.paint('red', `-${kind}`.padEnd(10))}${nameOf(demo, address).padEnd(11)}${address}  gone`,
        );
      }
    }
    for (const address of now) {
      if (!previous.has(address) && gone.delete(address)) {
        demo.out.event(
          `${demo.out.paint('green', `+${kind}`.padEnd(10))}${nameOf(demo, address).padEnd(11)}${address}`,
        );
      }
    }
    previous = now;
  });
}

/** The line a scene prints once a process it started is registered. */
export function registered(demo: Demo, kind: string, name: string, address: string, extra: string): void {
  demo.out.event(`${demo.out.paint('green', `+${kind}`.padEnd(10))}${name.padEnd(11)}${address}  ${extra}`);
}
