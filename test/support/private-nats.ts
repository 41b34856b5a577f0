// A nats-server of the test's own (not the shared one), on a free port and a temporary store, that
// the test can stop and start again to see what a NATS restart does.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket.destroy() === socket));
    socket.once('error', () => resolve(false));
  });
}

export interface PrivateNats {
  url: string;
  stop(): Promise<void>;
  /** Stop and start again on the same port and store (streams and consumers survive). */
  restart(): Promise<void>;
  /** Stop and delete the store. */
  remove(): Promise<void>;
}

export async function startPrivateNats(): Promise<PrivateNats> {
  const storeDir = await mkdtemp(path.join(tmpdir(), 'private-nats-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  async function start(): Promise<void> {
    child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await accepting(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('private nats-server did not start');
  }
  async function stop(): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async remove() {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
