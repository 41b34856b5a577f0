// Runs once before all test files: the real PostgreSQL and NATS must answer (.ci/run starts them);
// if one does not, stop here with one clear line instead of a hundred time-outs.
import net from 'node:net';
import { adminDatabaseUrl, natsUrl } from './services.ts';

export default async function globalSetup(): Promise<void> {
  const database = new URL(adminDatabaseUrl);
  const nats = new URL(natsUrl);
  const problems: string[] = [];
  if (!(await answers(database.hostname, Number(database.port || 5432)))) problems.push(`PostgreSQL does not answer at ${database.host} (set TEST_DATABASE_URL)`);
  if (!(await answers(nats.hostname, Number(nats.port || 4222)))) problems.push(`NATS does not answer at ${nats.host} (set TEST_NATS_URL)`);
  if (problems.length > 0) throw new Error(`Test services missing:\n  ${problems.join('\n  ')}`);
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
