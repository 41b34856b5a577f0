import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../../core/log.ts';
import { checkTelemetry, telemetrySubject } from '../../core/telemetry.ts';
import { SimulatedMachine, seededRandom, type MachineState } from '../../sim/machine.ts';
import { loadPlantModel, type SimulatedAsset } from '../../sim/plant-model.ts';
import { startPlantSimulator } from '../../sim/simulator.ts';
import { startIngestFixture, type IngestFixture } from '../support/ingest.ts';

const mill: SimulatedAsset = {
  id: '00000000-0000-4000-8000-000000000001',
  code: 'OP10',
  siteCode: 'BER',
  lineCode: 'CNC1',
  idealCycleSeconds: 20,
  tags: [
    { name: 'good_count', kind: 'COUNTER_GOOD', unit: 'PC', lowAlarm: null, lowWarn: null, highWarn: null, highAlarm: null, characteristicId: null },
    { name: 'scrap_count', kind: 'COUNTER_SCRAP', unit: 'PC', lowAlarm: null, lowWarn: null, highWarn: null, highAlarm: null, characteristicId: null },
    { name: 'state', kind: 'STATE', unit: null, lowAlarm: null, lowWarn: null, highWarn: null, highAlarm: null, characteristicId: null },
    { name: 'spindle_temp', kind: 'TEMPERATURE', unit: '°C', lowAlarm: null, lowWarn: null, highWarn: 60, highAlarm: 70, characteristicId: null },
  ],
};

function run(seed: number, seconds: number) {
  const machine = new SimulatedMachine(mill, seededRandom(seed));
  return Array.from({ length: seconds }, () => machine.tick(1));
}

describe('simulated machine', () => {
  it('plays the same plant for the same seed and another for another seed', () => {
    expect(run(7, 600)).toEqual(run(7, 600));
    expect(run(8, 600)).not.toEqual(run(7, 600));
  });

  it('over a long run shows every state, a fault first, monotonic counters and a temperature beyond its alarm limit', () => {
    const ticks = run(3, 6 * 3_600);
    const states = ticks.map((readings) => String(readings.find((reading) => reading.tag === 'state')!.value));
    const seen = new Set(states.map((state) => state.split(':')[0] as MachineState));
    expect([...seen].sort()).toEqual(['CHANGEOVER', 'DOWN', 'IDLE', 'PLANNED_STOP', 'RUNNING']);
    const firstStop = states.find((state) => !state.startsWith('RUNNING'))!;
    expect(firstStop).toMatch(/^DOWN:[A-Z_]+$/);
    expect(states.indexOf(firstStop)).toBeLessThan(120);
    for (const tag of ['good_count', 'scrap_count']) {
      const values = ticks.map((readings) => Number(readings.find((reading) => reading.tag === tag)!.value));
      expect(values.every((value, index) => index === 0 || value >= values[index - 1]!)).toBe(true);
    }
    const temperatures = ticks.map((readings) => Number(readings.find((reading) => reading.tag === 'spindle_temp')!.value));
    expect(Math.max(...temperatures)).toBeGreaterThan(70);
    expect(temperatures.at(-1)!).toBeLessThan(70); // drifts come back
  });
});

describe('plant simulator', () => {
  let fixture: IngestFixture;
  beforeAll(async () => {
    fixture = await startIngestFixture('simulator');
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('publishes one valid message per seeded device and tick, on its subject, with unique message ids', async () => {
    const plant = await loadPlantModel(fixture.database.pool);
    const simulator = await startPlantSimulator({ pool: fixture.database.pool, bus: fixture.bus, subjectPrefix: fixture.streams.SUBJECT_PREFIX, log: silentLogger, tickMs: 60 * 60 * 1_000, seed: 1 });
    await simulator.tick();
    await simulator.tick();
    await simulator.stop();
    expect(simulator.stats).toMatchObject({ devices: plant.length, ticks: 2, messages: 2 * plant.length, failedPublishes: 0 });

    const info = await fixture.manager.streams.info(fixture.streams.STREAM_TELEMETRY);
    expect(info.state.messages).toBe(2 * plant.length);
    const ids = new Set<string>();
    const published = new Set<string>();
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
      const message = (await fixture.manager.streams.getMessage(fixture.streams.STREAM_TELEMETRY, { seq }))!;
      const checked = checkTelemetry(message.data);
      expect(checked).toMatchObject({ ok: true });
      if (!checked.ok) continue;
      const asset = plant.find((candidate) => candidate.id === checked.message.readings[0]!.assetId)!;
      expect(message.subject).toBe(telemetrySubject(asset.siteCode, asset.lineCode, asset.code, fixture.streams.SUBJECT_PREFIX));
      expect(checked.message.readings.map((reading) => reading.tag).sort()).toEqual(asset.tags.filter((tag) => tag.kind !== 'ALARM').map((tag) => tag.name).sort());
      ids.add(message.header!.get('Nats-Msg-Id'));
      published.add(asset.id);
    }
    expect(ids.size).toBe(2 * plant.length);
    expect(published.size).toBe(plant.length);
  });
});
