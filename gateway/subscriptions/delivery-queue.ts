// One subscriber's events between the shared feed and its socket. graphql-ws pulls the next event
// only after the previous one was handed to the socket, so a slow client's events wait here; past
// `capacity` the subscriber is cut off (the caller closes its socket with a reason) instead of
// holding up the feed or growing without bound.
export interface DeliveryQueue<T> extends AsyncIterableIterator<T> {
  /** Queue an event; false (and `onOverflow` once) when the subscriber is already `capacity` behind. */
  offer(value: T): boolean;
  /** Finish after the queued events were taken. */
  end(): void;
  /** How many events wait. */
  readonly size: number;
  /** Stop at once: queued events are dropped. */
  return(): Promise<IteratorResult<T>>;
}

export interface DeliveryQueueOptions {
  capacity: number;
  onOverflow: () => void;
  /** Called once when the consumer stops (return(), end reached, overflow). */
  onClose?: () => void;
}

export function createDeliveryQueue<T>(options: DeliveryQueueOptions): DeliveryQueue<T> {
  const waiting: T[] = [];
  let taker: ((result: IteratorResult<T>) => void) | undefined;
  let ended = false;
  let closed = false;

  function close(): void {
    if (closed) return;
    closed = true;
    ended = true;
    waiting.length = 0;
    taker?.({ value: undefined, done: true });
    taker = undefined;
    options.onClose?.();
  }

  const queue: DeliveryQueue<T> = {
    offer(value) {
      if (ended) return false;
      if (taker) {
        const take = taker;
        taker = undefined;
        take({ value, done: false });
        return true;
      }
      if (waiting.length >= options.capacity) {
        // the overflow is known before onClose runs, so whoever closes knows why
        options.onOverflow();
        close();
        return false;
      }
      waiting.push(value);
      return true;
    },
    end() {
      ended = true;
      if (waiting.length === 0) close();
    },
    get size() {
      return waiting.length;
    },
    next() {
      if (waiting.length > 0) {
        const value = waiting.shift() as T;
        if (ended && waiting.length === 0) queueMicrotask(close);
        return Promise.resolve({ value, done: false });
      }
      if (ended) {
        close();
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve) => (taker = resolve));
    },
    return() {
      close();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return queue;
    },
  };
  return queue;
}
