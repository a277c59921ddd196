import { fourLetterWord } from '@zkit/testing';

/**
 * Packets the server has received so far (`srvr`'s "Received"), or undefined when it will not say (an ensemble
 * from ZK_CONNECT that does not whitelist `srvr`). The difference across a batch of operations, divided by their
 * number, is the ZooKeeper requests each one costs; pings of idle sessions add a little noise.
 */
export async function receivedPackets(address: string): Promise<number | undefined> {
  try {
    const match = /^Received: (\d+)$/m.exec(await fourLetterWord(address, 'srvr'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Requests per operation over `run`, or null when the server does not report its counters. */
export async function requestsPerOp(
  address: string,
  ops: number,
  run: () => Promise<void>,
): Promise<number | null> {
  const before = await receivedPackets(address);
  await run();
  const after = await receivedPackets(address);
  return before === undefined || after === undefined ? null : (after - before) / ops;
}
