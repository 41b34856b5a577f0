// The benchmark's device fleet, a child process of its own: publishes BENCH_N readings of the
// seeded assets in messages of BENCH_PER_MESSAGE readings (as edge devices batch them), keeping
// BENCH_PUBLISH_WINDOW publishes in flight, and answers `{ type: 'publish' }` with the time each
// message was published (epoch ms, by message index) once all are acknowledged by JetStream.
// With BENCH_RATE (readings/s) it paces itself instead of publishing as fast as it can, and
// BENCH_FIRST_MESSAGE shifts message indexes and reading ids so a second phase adds new ones.
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { telemetrySubject } from '../../core/telemetry.ts';
import { exitWithParent, type ChildMessage } from './child-process.ts';

export interface PublisherAsset {
  id: string;
  siteCode: string;
  lineCode: string;
  code: string;
  /** Numeric tags with a value inside their limits, and whether the asset has a state tag. */
  tags: { name: string; normal: number }[];
  hasState: boolean;
}

exitWithParent();
const n = Number(process.env.BENCH_N);
const perMessage = Number(process.env.BENCH_PER_MESSAGE);
const window = Number(process.env.BENCH_PUBLISH_WINDOW);
const prefix = process.env.BENCH_SUBJECT_PREFIX ?? '';
const rate = Number(process.env.BENCH_RATE ?? 0);
const firstMessage = Number(process.env.BENCH_FIRST_MESSAGE ?? 0);
const assets = JSON.parse(process.env.BENCH_ASSETS ?? '[]') as PublisherAsset[];
const connection = await connect({ servers: process.env.BENCH_NATS_URL });
const js = jetstream(connection);
const start = Date.now() - 60 * 60 * 1_000; // readings of the last hour, one second apart per asset

function message(index: number): string {
  const asset = assets[index % assets.length]!;
  const readings = [];
  for (let r = 0; r < perMessage; r += 1) {
    const sequence = index * perMessage + r;
    const tag = asset.hasState && r === 0 ? { name: 'state', normal: 0 } : asset.tags[r % asset.tags.length]!;
    readings.push({
      readingId: `bench-${sequence}`,
      assetId: asset.id,
      tag: tag.name,
      value: tag.name === 'state' ? 'RUNNING' : Math.round((tag.normal + ((sequence % 7) - 3) * 0.01) * 100) / 100,
      timestamp: new Date(start + sequence * 5).toISOString(),
    });
  }
  return JSON.stringify({ version: 1, deviceId: `bench-${asset.code}`, readings });
}

process.on('message', (request: ChildMessage) => {
  if (request?.type === 'stop') {
    void connection.close().then(() => process.exit(0));
    return;
  }
  if (request?.type !== 'publish') return;
  void (async () => {
    const messages = Math.ceil(n / perMessage);
    const times = new Array<number>(messages);
    let next = 0;
    const began = Date.now();
    const publishNext = async (): Promise<void> => {
      while (next < messages) {
        const slot = next++;
        if (rate > 0) {
          const due = began + ((slot * perMessage) / rate) * 1_000;
          if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        }
        const index = firstMessage + slot;
        const asset = assets[index % assets.length]!;
        const body = message(index);
        times[slot] = Date.now();
        await js.publish(telemetrySubject(asset.siteCode, asset.lineCode, asset.code, prefix), body, { msgID: `bench-msg-${index}` });
      }
    };
    await Promise.all(Array.from({ length: window }, publishNext));
    process.send?.({ type: 'publish', times });
  })();
});
process.send?.({ type: 'ready' });
