import type { JsonObject, JsonValue } from '@zkit/client';
import { Command } from 'commander';
import type { ContextFactory } from '../command-context.js';
import { UsageError } from '../exit-codes.js';

/**
 * `zkit set PATH key=JSON...` (zc.zk's zookeeper_set_property): merges the given properties into the node's, by
 * compare-and-set, leaving the others as they are. Values are JSON, so a string is quoted: `name='"api"'`.
 */
export function setCommand(context: ContextFactory): Command {
  return new Command('set')
    .description('set properties of a node (values are JSON)')
    .argument('<path>', 'the node')
    .argument('<assignments...>', 'key=JSON, e.g. threads=3 name=\'"api"\'')
    .action(async (path: string, assignments: string[], _flags: object, command: Command) => {
      const { out, client } = context(command);
      const changes = parseAssignments(assignments);
      const zk = await client();
      const properties = await zk.properties(path);
      try {
        await properties.update(changes);
      } finally {
        properties.close();
      }
      if (out.json) out.data(await zk.get(path));
    });
}

export function parseAssignments(assignments: readonly string[]): JsonObject {
  const changes: JsonObject = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw new UsageError(`${JSON.stringify(assignment)}: expected key=JSON`);
    const key = assignment.slice(0, equals);
    Object.defineProperty(changes, key, {
      value: parseValue(key, assignment.slice(equals + 1)),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return changes;
}

function parseValue(key: string, text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new UsageError(`${key}=${text}: the value is not JSON (quote a string: ${key}='"${text}"')`);
  }
}
