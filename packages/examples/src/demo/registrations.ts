import type { Services, Subscription } from '@zkit/client';
import type { Demo } from './context.js';
import { nameOf } from './context.js';

/**
 * Prints a line whenever an instance goes from `view` (the moment it happens, which is the point of the demo: a
 * killed server's node goes when its session expires, a stopped one's at once). Instances that appear are printed
 * by the scene that started their process, which knows their names; one that comes back is printed here.
 */
export function printRemovals(demo: Demo, view: Services, kind: string): Subscription {
  const gone = new Set<string>();
  return view.watch((_live, change) => {
    for (const { id } of change.removed) {
      gone.add(id);
      demo.out.event(
        `${demo.out.paint('red', `-${kind}`.padEnd(10))}${nameOf(demo, id).padEnd(11)}${id}  gone`,
      );
    }
    for (const { id } of change.added) {
      if (gone.delete(id)) {
        demo.out.event(
          `${demo.out.paint('green', `+${kind}`.padEnd(10))}${nameOf(demo, id).padEnd(11)}${id}`,
        );
      }
    }
  });
}

/** The line a scene prints once a process it started is registered. */
export function registered(demo: Demo, kind: string, name: string, address: string, extra: string): void {
  demo.out.event(`${demo.out.paint('green', `+${kind}`.padEnd(10))}${name.padEnd(11)}${address}  ${extra}`);
}
