/** One `registerServer` call's node: `path` is `parent/HOST:PORT`. */
export class Registration implements AsyncDisposable {
  #gone: Promise<void> | undefined;

  constructor(
    readonly path: string,
    /** The data written, `pid` included. */
    readonly data: Readonly<Record<string, unknown>>,
    private readonly remove: (path: string) => Promise<void>,
  ) {}

  /** Deletes the node; views of its parent in this client no longer list it when this resolves. Idempotent. */
  unregister(): Promise<void> {
    this.#gone ??= this.remove(this.path);
    return this.#gone;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unregister();
  }
}
