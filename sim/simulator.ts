// The demo plant: one simulated device per line or work cell with tags, publishing its readings
// every tick on telemetry.<site>.<line>.<asset> as one message, with a message id unique per
// device and sequence (so a republish is dropped by JetStream). NATS being away is logged and the
// tick's readings are skipped; the simulator keeps going and resumes when the bus is back.
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { Logger } from '../core/log.ts';
import { telemetrySubject, TELEMETRY_VERSION, type TelemetryMessageInput } from '../core/telemetry.ts';
import { SimulatedMachine, seededRandom, type MachineOptions } from './machine.ts';
import { loadPlantModel } from './plant-model.ts';

export interface PlantSimulatorOptions {
  pool: Pick<pg.Pool, 'query'>;
  bus: NatsConnection;
  subjectPrefix: string;
  log: Logger;
  tickMs: number;
  seed: number;
  machine?: MachineOptions;
}

export interface PlantSimulatorStats {
  devices: number;
  ticks: number;
  messages: number;
  readings: number;
  failedPublishes: number;
}

export interface PlantSimulator {
  readonly stats: PlantSimulatorStats;
  /** One tick now (tests call it instead of waiting for the timer). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPlantSimulator(options: PlantSimulatorOptions): Promise<PlantSimulator> {
  const log = options.log.child({ component: 'plant-simulator' });
  const assets = await loadPlantModel(options.pool);
  const random = seededRandom(options.seed);
  const machines = assets.map((asset) => new SimulatedMachine(asset, seededRandom(Math.floor(random() * 2 ** 32)), options.machine));
  const js = jetstream(options.bus);
  const run = Date.now().toString(36); // message ids stay unique across restarts of the simulator
  const stats: PlantSimulatorStats = { devices: machines.length, ticks: 0, messages: 0, readings: 0, failedPublishes: 0 };
  let failing = false;

  const tick = async () => {
    stats.ticks += 1;
    const now = new Date().toISOString();
    await Promise.all(
      machines.map(async (machine) => {
        const { asset } = machine;
        const sequence = stats.ticks;
        const message: TelemetryMessageInput = {
          version: TELEMETRY_VERSION,
          deviceId: `sim-${asset.siteCode}-${asset.lineCode}-${asset.code}`.toLowerCase(),
          readings: machine.tick(options.tickMs / 1_000).map((reading) => ({
            readingId: `sim-${run}-${asset.id.slice(0, 8)}-${sequence}-${reading.tag}`,
            assetId: asset.id,
            tag: reading.tag,
            value: reading.value,
            ...(reading.unit ? { unit: reading.unit } : {}),
            timestamp: now,
          })),
        };
        try {
          await js.publish(telemetrySubject(asset.siteCode, asset.lineCode, asset.code, options.subjectPrefix), JSON.stringify(message), {
            msgID: `sim-${run}-${asset.id}-${sequence}`,
          });
          stats.messages += 1;
          stats.readings += message.readings.length;
          if (failing) log.info('publishing telemetry again');
          failing = false;
        } catch (error) {
          stats.failedPublishes += 1;
          if (!failing) log.warn({ reason: (error as Error).message }, 'cannot publish telemetry (NATS away?); skipping ticks until it is back');
          failing = true;
        }
      }),
    );
  };

  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, options.tickMs);
  log.info({ devices: machines.length, tickMs: options.tickMs, seed: options.seed }, 'plant simulator started');
  return {
    stats,
    tick: () => (running = running.then(tick)),
    async stop() {
      clearInterval(timer);
      await running;
      log.info(stats, 'plant simulator stopped');
    },
  };
}
