// The write coalescer on real ws sockets over loopback: a server socket wrapped by it, a plain ws
// client reading what arrives.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createWriteCoalescer, type WriteCoalescer } from '../../gateway/socket-coalescing.ts';

const WINDOW_MS = 30;
async function eventually(assertion: () => void, timeoutMs = 2_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(5)) {
    try {
      return assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Pair {
  server: WebSocket;
  client: WebSocket;
  received: string[];
  closed: Promise<{ code: number; reason: string }>;
  /** Write calls the server's TCP socket made (one writev for a whole batch counts once). */
  writes(): number;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function connectedPair(coalescer: WriteCoalescer): Promise<Pair> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on('message', (data) => received.push(String(data)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => client.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise((resolve) => client.once('open', resolve));
  const server = await accepted;
  coalescer.add(server);
  // count the server socket's writes: the real methods still run
  const tcp = (server as unknown as { _socket: Socket & { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void } })._socket;
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const real = tcp[method].bind(tcp);
    tcp[method] = (...args: unknown[]) => {
      writes += 1;
      real(...args);
    };
  }
  cleanups.push(async () => {
    client.terminate();
    await new Promise((resolve) => wss.close(resolve));
    coalescer.flush();
  });
  return { server, client, received, closed, writes: () => writes };
}

describe('WebSocket write coalescing', () => {
  it('coalescing - messages sent within a window arrive in order, written once, and their callbacks are called', async () => {
    const pair = await connectedPair(createWriteCoalescer({ windowMs: WINDOW_MS }));
    const callbacks: (Error | undefined)[] = [];
    for (let index = 0; index < 50; index++) pair.server.send(`message ${index}`, (error) => callbacks.push(error));
    await sleep(WINDOW_MS / 3);
    expect(pair.received).toEqual([]); // still queued
    expect(callbacks).toHaveLength(50); // small messages are acknowledged when queued
    await sleep(WINDOW_MS * 2);
    expect(pair.received).toEqual(Array.from({ length: 50 }, (_, index) => `message ${index}`));
    expect(callbacks.every((error) => error === undefined)).toBe(true);
    expect(pair.writes()).toBe(1);
  });

  it('coalescing - one timer serves every socket, and each socket gets its own messages in order', async () => {
    const coalescer = createWriteCoalescer({ windowMs: WINDOW_MS });
    const pairs = await Promise.all([connectedPair(coalescer), connectedPair(coalescer), connectedPair(coalescer)]);
    for (let index = 0; index < 10; index++) pairs.forEach((pair, socket) => pair.server.send(`${socket}:${index}`));
    await sleep(WINDOW_MS * 3);
    pairs.forEach((pair, socket) => expect(pair.received).toEqual(Array.from({ length: 10 }, (_, index) => `${socket}:${index}`)));
    expect(pairs.map((pair) => pair.writes())).toEqual([1, 1, 1]);
  });

  it('coalescing - close() writes what is queued before the close frame', async () => {
    const pair = await connectedPair(createWriteCoalescer({ windowMs: 10_000 }));
    pair.server.send('a');
    pair.server.send('b', {}, () => undefined);
    pair.server.close(1001, 'Going away');
    expect(await pair.closed).toEqual({ code: 1001, reason: 'Going away' });
    expect(pair.received).toEqual(['a', 'b']);
  });

  it('coalescing - the send that reaches the byte threshold writes the queue at once, and its callback waits for the write', async () => {
    const pair = await connectedPair(createWriteCoalescer({ windowMs: 10_000, acknowledgeBelowBytes: 1_000 }));
    const done: string[] = [];
    pair.server.send('small', () => done.push('small'));
    pair.server.send('x'.repeat(2_000), () => done.push('big'));
    expect(done).toEqual([]); // neither callback is synchronous
    // long before the 10 s tick
    await eventually(() => expect(pair.received).toEqual(['small', 'x'.repeat(2_000)]));
    expect(done).toEqual(['small', 'big']);
    expect(pair.writes()).toBe(1);
  });

  it('coalescing - a socket terminated with a message queued drops it; later sends fail at once', async () => {
    const pair = await connectedPair(createWriteCoalescer({ windowMs: WINDOW_MS }));
    const results: (Error | undefined | null)[] = [];
    pair.server.send('acknowledged', (error) => results.push(error)); // accepted when queued
    pair.server.terminate();
    await sleep(WINDOW_MS * 2);
    expect(results).toEqual([undefined]);
    const late = await new Promise<Error | undefined>((resolve) => pair.server.send('late', resolve));
    expect(late).toBeInstanceOf(Error);
    expect(pair.received).toEqual([]);
  });

  it('coalescing - a send on a closed socket fails at once, as without coalescing', async () => {
    const pair = await connectedPair(createWriteCoalescer({ windowMs: WINDOW_MS }));
    pair.server.close();
    const error = await new Promise<Error | undefined>((resolve) => pair.server.send('late', resolve));
    expect(error?.message).toMatch(/not open/);
  });
});
