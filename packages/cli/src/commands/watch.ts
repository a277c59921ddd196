import type { Children, Properties } from '@zkit/client';
import { Command } from 'commander';
import type { ContextFactory } from '../command-context.js';
import type { Output } from '../output.js';

type Event =
  | { readonly event: 'properties'; readonly properties: unknown }
  | { readonly event: 'children'; readonly children: readonly string[] }
  | { readonly event: 'deleted' };

/**
 * `zkit watch PATH`: prints the node's properties and children now and after every change, until Ctrl-C (then it
 * closes its views and session and exits 0) or until the node is deleted. `--json`: one JSON object a line.
 */
export function watchCommand(context: ContextFactory): Command {
  return new Command('watch')
    .description("print a node's properties and children now and at every change, until Ctrl-C")
    .argument('<path>', 'the node')
    .action(async (path: string, _flags: object, command: Command) => {
      const { out, client } = context(command);
      const zk = await client();
      const properties = await zk.properties(path);
      const children = await zk.children(path).catch((error: unknown) => {
        properties.close();
        throw error;
      });
      try {
        await follow(out, path, properties, children);
      } finally {
        properties.close();
        children.close();
      }
    });
}

/** Resolves on SIGINT or SIGTERM, or once the node is deleted; rejects when a view fails. */
function follow(out: Output, path: string, properties: Properties, children: Children): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // Both views see a deletion; it is reported once.
    let finished = false;
    const stop = () => {
      finished = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const ended = (view: Properties | Children): boolean => {
      if (finished) return true;
      if (view.error !== undefined) {
        finished = true;
        reject(view.error);
        return true;
      }
      if (!view.deleted) return false;
      report(out, path, { event: 'deleted' });
      stop();
      return true;
    };
    properties.watch((view) => {
      if (!ended(view)) report(out, path, { event: 'properties', properties: view.toJSON() });
    });
    children.watch((view) => {
      if (!ended(view)) report(out, path, { event: 'children', children: view.toArray() });
    });
  });
}

function report(out: Output, path: string, event: Event): void {
  const time = new Date().toISOString();
  if (out.json) {
    out.record({ time, path, ...event });
    return;
  }
  const { dim, red, cyan } = out.colors;
  const stamp = dim(time.slice(11, 19));
  if (event.event === 'deleted') out.line(`${stamp} ${red('deleted')}`);
  else if (event.event === 'properties')
    out.line(`${stamp} ${cyan('properties')} ${JSON.stringify(event.properties)}`);
  else out.line(`${stamp} ${cyan('children')} ${event.children.join(' ')}`);
}
