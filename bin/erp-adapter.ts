// `npm run erp-adapter -- [--erp-url <url> | --stand-in-port <port>] [--gateway <url>] [--kinds A,B]`:
// the reference ERP adapter (sim/erp/adapter.ts). Without --erp-url it starts the stand-in ERP
// (sim/erp/stand-in-erp.ts) in this process. The token comes from ERP_ADAPTER_TOKEN, else (outside
// production) a development erp-adapter token is signed with a subject of this process's own, since
// the lease owner is the token subject.
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { signDevelopmentToken } from '../core/auth.ts';
import { erpPostingKinds, type ErpPostingKind } from '../core/postings.ts';
import { createErpAdapter } from '../sim/erp/adapter.ts';
import { startStandInErp } from '../sim/erp/stand-in-erp.ts';
import { loadCliConfig, stopOnSignal } from './cli.ts';

const { config, log } = loadCliConfig();
const { values } = parseArgs({
  options: {
    'erp-url': { type: 'string' },
    'stand-in-port': { type: 'string', default: '4100' },
    gateway: { type: 'string', default: `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.GATEWAY_PORT}/graphql` },
    kinds: { type: 'string' },
    'batch-size': { type: 'string', default: '20' },
    'lease-seconds': { type: 'string', default: '60' },
  },
});

const kinds = values.kinds?.split(',').map((kind) => kind.trim());
const unknownKind = kinds?.find((kind) => !(erpPostingKinds as readonly string[]).includes(kind));
if (unknownKind) {
  console.error(`unknown posting kind "${unknownKind}"; one of: ${erpPostingKinds.join(', ')}`);
  process.exit(2);
}
const presetToken = process.env.ERP_ADAPTER_TOKEN;
if (!presetToken && config.NODE_ENV === 'production') {
  console.error('set ERP_ADAPTER_TOKEN (an erp-adapter token from your identity provider); development tokens are refused in production');
  process.exit(2);
}
const subject = `erp-adapter-${hostname()}-${process.pid}`;
let devToken: { value: string; signedAt: number } | undefined;
const token = async () => {
  if (presetToken) return presetToken;
  // Development tokens last 12 h; sign a new one every hour.
  if (!devToken || Date.now() - devToken.signedAt > 3_600_000) {
    devToken = { value: await signDevelopmentToken({ role: 'erp-adapter', subject, secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE }), signedAt: Date.now() };
  }
  return devToken.value;
};

const standIn = values['erp-url'] ? undefined : await startStandInErp({ port: Number(values['stand-in-port']), host: '127.0.0.1' });
const erpUrl = values['erp-url'] ?? standIn!.url;
if (standIn) log.info({ url: standIn.url }, 'stand-in ERP listening (POST /control to make it fail, refuse, time out or answer slowly)');

const adapter = createErpAdapter({
  graphqlUrl: values.gateway,
  token,
  erpUrl,
  kinds: kinds as ErpPostingKind[] | undefined,
  batchSize: Number(values['batch-size']),
  leaseSeconds: Number(values['lease-seconds']),
  log,
});
adapter.start();
log.info({ gateway: values.gateway, erpUrl, subject }, 'ERP adapter running');
stopOnSignal(async () => {
  await adapter.stop();
  await standIn?.close();
}, log);
