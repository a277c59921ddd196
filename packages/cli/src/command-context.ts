import type { ZooKeeper } from '@zkit/client';
import type { Command } from 'commander';
import type { Output } from './output.js';

/** What a command's action gets: where to write, and the session (opened only if the command asks for it). */
export interface CommandContext {
  readonly out: Output;
  client(): Promise<ZooKeeper>;
}

/** Builds a command's context from its flags and the program's global ones (`optsWithGlobals`). */
export type ContextFactory = (command: Command) => CommandContext;
