// Coalesced WebSocket writes: ws writes every message with its own syscall, which was most of the
// gateway's CPU at a few hundred subscribers (docs/GATEWAY.md, "Measured"). A coalesced socket's
// `send` queues the message; one timer shared by all sockets writes each socket's queue at the next
// tick, corked, so a tick costs one writev per socket instead of one per message.
//
// Callbacks: graphql-ws sends a subscription's next result only after the previous send's
// callback, so waiting for the tick would cap each subscription at one result per tick. While the
// socket has less than `acknowledgeBelowBytes` buffered and queued, a queued message's callback is
// called at once (the message is accepted, as a Writable below its high-water mark accepts a
// write). The message that reaches that mark does not wait for the tick: the queue is written at
// once and its callback waits for the real write, as without coalescing. So a burst goes out in
// 16 KiB writes, and a client that does not read (its socket's buffer stays full) gets one write
// per message as before, stops graphql-ws from pulling, and its delivery queue fills up (4008).
// A write error of an acknowledged message closes the socket, which ends its subscriptions.
//
// Order: messages go out in the order sent. `close()` writes the queue before the close frame; a
// message queued on a socket that closed or was terminated meanwhile gets ws's "not open" error.
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/** Below this many bytes buffered and queued on a socket, sends are acknowledged at once (Node's default high-water mark). */
export const DEFAULT_ACKNOWLEDGE_BELOW_BYTES = 16 * 1024;

export interface WriteCoalescerOptions {
  /** How long a queued message may wait for its socket's write, ms; > 0. */
  windowMs: number;
  /** @default 16_384 // 16 KiB */
  acknowledgeBelowBytes?: number;
}

export interface WriteCoalescer {
  /** From now on `socket.send` queues; the queue is written at the next tick, in one write. */
  add(socket: WebSocket): void;
  /** Write every queue now and clear the timer. */
  flush(): void;
}

type SendCallback = (error?: Error) => void;
type SendOptions = Parameters<WebSocket['send']>[1];
interface Queued {
  data: Parameters<WebSocket['send']>[0];
  options: SendOptions | undefined;
  /** Undefined when the message was acknowledged at once. */
  callback: SendCallback | undefined;
}

const ignore = () => undefined;

export function createWriteCoalescer(options: WriteCoalescerOptions): WriteCoalescer {
  if (!(options.windowMs > 0)) throw new RangeError('windowMs must be > 0 (0 means: do not coalesce)');
  const acknowledgeBelow = options.acknowledgeBelowBytes ?? DEFAULT_ACKNOWLEDGE_BELOW_BYTES;
  const due = new Set<() => void>();
  let timer: NodeJS.Timeout | undefined;

  function flushAll(): void {
    clearTimeout(timer);
    timer = undefined;
    const flushes = [...due];
    due.clear();
    for (const flush of flushes) flush();
  }

  function add(socket: WebSocket): void {
    const send = socket.send.bind(socket) as (data: Queued['data'], options: SendOptions | undefined, callback: SendCallback) => void;
    const close = socket.close.bind(socket);
    let queue: Queued[] = [];
    let queuedBytes = 0;

    function flush(): void {
      due.delete(flush);
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      queuedBytes = 0;
      // ws corks around each frame's header and payload too; the outer cork keeps the whole batch
      // in one writev.
      const tcp = (socket as unknown as { _socket?: Socket })._socket;
      tcp?.cork();
      try {
        for (const message of batch) send(message.data, message.options, message.callback ?? ignore);
      } finally {
        tcp?.uncork();
      }
    }

    function queued(data: Queued['data'], optionsOrCallback?: SendOptions | SendCallback, maybeCallback?: SendCallback): void {
      const [sendOptions, callback] = typeof optionsOrCallback === 'function' ? [undefined, optionsOrCallback] : [optionsOrCallback, maybeCallback];
      // Not open: ws throws (connecting) or calls back with its error (closing, closed), at once.
      if (socket.readyState !== WebSocket.OPEN) return send(data, sendOptions, callback ?? ignore);
      const bytes = typeof data === 'string' ? data.length : ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? data.byteLength : 0;
      const acknowledged = callback !== undefined && socket.bufferedAmount + queuedBytes + bytes < acknowledgeBelow;
      queue.push({ data, options: sendOptions, callback: acknowledged ? undefined : callback });
      queuedBytes += bytes;
      if (acknowledged) process.nextTick(callback);
      // A full batch does not wait for the tick.
      else if (callback !== undefined || queuedBytes >= acknowledgeBelow) return flush();
      if (!due.has(flush)) {
        due.add(flush);
        timer ??= setTimeout(flushAll, options.windowMs);
      }
    }

    socket.send = queued as WebSocket['send'];
    socket.close = (code?: number, reason?: string | Buffer) => {
      flush();
      close(code, reason);
    };
    // Closed by the peer or terminated: what is still queued fails now rather than at the tick.
    socket.once('close', flush);
  }

  return { add, flush: flushAll };
}
