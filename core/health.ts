// Readiness checks of a hub process: each dependency answers within a bound time. The gateway
// serves them at /readyz (gateway/routes.ts).
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';

export const READINESS_TIMEOUT_MS = 2_000; // 2 seconds per dependency

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export function databaseCheck(pool: pg.Pool): ReadinessCheck {
  return { name: 'database', check: async () => void (await pool.query('SELECT 1')) };
}

export function natsCheck(connection: NatsConnection): ReadinessCheck {
  return { name: 'nats', check: async () => void (await connection.rtt()) };
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

export async function checkReadiness(checks: ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), READINESS_TIMEOUT_MS, `${name} did not answer within ${READINESS_TIMEOUT_MS} ms`);
        return [name, { ok: true }] as const;
      } catch (error) {
        return [name, { ok: false, error: (error as Error).message }] as const;
      }
    }),
  );
  return { ready: results.every(([, result]) => result.ok), checks: Object.fromEntries(results) };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
