// Embedded services run next to whatever already listens on this machine (a real PostgreSQL on
// 5432, a real NATS on 4222), so they never take a fixed port: the kernel hands out a free one.
import { connect, createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that is free right now. Another process may still take it before the
 * caller binds it, so callers retry with a new port when binding fails.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('free port probe did not get a TCP address'));
        return;
      }
      const { port } = address;
      probe.close((closeError) => (closeError ? reject(closeError) : resolve(port)));
    });
  });
}

/** Whether something on 127.0.0.1 accepts a TCP connection on `port` right now. */
export function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const PORT_POLL_INTERVAL_MS = 50;

/**
 * Waits until nothing listens on `port` any more: a stopped server only counts as gone when its
 * port is closed, not when its process handle says so. Resolves false if it is still open after
 * `timeoutMs` milliseconds.
 */
export async function waitForPortClosed(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await portAcceptsConnections(port)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, PORT_POLL_INTERVAL_MS));
  }
  return true;
}
