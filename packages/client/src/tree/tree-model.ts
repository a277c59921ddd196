import type { JsonObject, JsonValue } from '@zkit/protocol';

/**
 * One node of a tree in zc.zk 2's text format (parseTree, serializeTree) or as read from a server (exportTree). Its
 * symbolic links and property links are kept apart from its properties here; on the server they are all one JSON
 * object, as zc.zk stores them (see node-data.ts).
 */
export interface TreeNode {
  /** The node's name; '' for the root of a parsed text. */
  readonly name: string;
  /** Includes `type` when the text gave `/name : TYPE`. */
  readonly properties: Readonly<Record<string, JsonValue>>;
  /** Symbolic links: `name -> TARGET`, name to target as written (relative to this node, or absolute). */
  readonly links: Readonly<Record<string, string>>;
  /**
   * Property links: `name => PATH [PROPNAME]`, name to `PATH` or `PATH PROPNAME` as written (zc.zk's stored value).
   * Absent when there are none.
   */
  readonly propertyLinks?: Readonly<Record<string, string>>;
  /** In text order (parse) or sorted by name (export). */
  readonly children: readonly TreeNode[];
  /** As read from a server (export, import plan). */
  readonly ephemeral?: boolean;
  /** The data version as read from a server: what an import's compare-and-set expects. */
  readonly version?: number;
}

/** What an import did, or would do (dryRun). Paths are absolute. */
export interface ImportPlan {
  /** Nodes created, parents before children. */
  readonly added: readonly string[];
  /**
   * Nodes whose properties change. `before` and `after` are the node's stored properties less its symbolic links
   * (property links appear as zc.zk stores them: `"name =>": "PATH [PROPNAME]"`).
   */
  readonly changed: readonly { path: string; before: JsonObject; after: JsonObject }[];
  /** Symbolic links added (no `before`), removed (no `after`) or re-pointed, on the node at `path`. */
  readonly links: readonly { path: string; name: string; before?: string; after?: string }[];
  /** Nodes deleted (trim), children before parents. */
  readonly trimmed: readonly string[];
  /** Nodes the import left alone, and why. */
  readonly skipped: readonly { path: string; reason: 'ephemeral' | 'ephemeral descendant' | 'top level' }[];
  /** Nodes on the server that the text does not have, not deleted because `trim` was not given. */
  readonly extra: readonly string[];
}
