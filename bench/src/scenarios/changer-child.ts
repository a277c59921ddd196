/**
 * The notification scenario's changer: another process with its own session, so the watched clients' process
 * does nothing but watch. In the same process the changer's reply would be handled on the main thread that the
 * direct client watches on, a thread zkit would keep free: on 2 cores that would favour one side.
 *
 *   parent (watching)                     this process (changing)
 *          ── change { op, path } ────────▶ write; note hrtime when issued and when acknowledged
 *          ── report ────────────────────▶
 *          ◀── report { timings } ─────────  sent between blocks, never while a change is being timed
 */
import { ParentChannel } from '../child-ipc.js';
import { DirectClient } from '../direct.js';
import type { Change, ChangerConfig, ChangerFromChild, ChangerToChild } from './changer-protocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ChangerConfig;

await ParentChannel.run<ChangerToChild, ChangerFromChild>(async (parent) => {
  const session = await DirectClient.connect(config.connectionString, 10_000);
  let timings: { issuedNs: string; ackedNs: string }[] = [];
  let error: string | undefined;
  await parent.send({ type: 'ready' });
  for (;;) {
    // One message at a time: a change is issued only after the previous one was acknowledged.
    const message = await parent.receive(600_000);
    if (message.type === 'exit') break;
    if (message.type === 'report') {
      await parent.send({ type: 'report', timings, ...(error === undefined ? {} : { error }) });
      timings = [];
      continue;
    }
    const issued = process.hrtime.bigint();
    try {
      await write(session, message);
    } catch (failure) {
      error ??= `${message.op} ${message.path}: ${String(failure)}`;
    }
    timings.push({ issuedNs: String(issued), ackedNs: String(process.hrtime.bigint()) });
  }
  await session.close();
});

async function write(session: DirectClient, change: Change): Promise<void> {
  switch (change.op) {
    case 'create':
      return session.createPersistent(change.path);
    case 'remove':
      return session.remove(change.path);
    case 'set':
      await session.setData(change.path, Buffer.from(change.data));
      return;
    default:
      change satisfies never;
  }
}
