// npm run dev-core: the development work-order core as its own process.
// npm run dev-core -- survey <workOrderId> <phone> [--deadline <RFC 3339>] [--channel phone|sms|phone-only]
//   [--confidential] [--gateway host:port]: asks a gateway for a follow-up survey, as the core does
//   when a work order is done (token: HOTLINE_CONTROL_TOKEN, else <dataDir>/control-token).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { DevCore } from './dev-core.js';
import { ControlClient } from './control-client.js';

const { config } = loadConfig();

async function survey(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { deadline: { type: 'string' }, channel: { type: 'string' }, confidential: { type: 'boolean' }, gateway: { type: 'string' } },
  });
  const [workOrderId, phone] = positionals;
  if (!workOrderId || !phone) throw new Error('usage: npm run dev-core -- survey <workOrderId> <phone> [--deadline …] [--channel phone|sms|phone-only] [--confidential] [--gateway host:port]');
  let token = config.control.token;
  if (!token) {
    try {
      token = readFileSync(join(config.dataDir, 'control-token'), 'utf8').trim();
    } catch {
      throw new Error(`no control token: set HOTLINE_CONTROL_TOKEN or start the gateway once (it writes ${join(config.dataDir, 'control-token')})`);
    }
  }
  const client = new ControlClient({ address: values.gateway ?? `127.0.0.1:${config.control.port}`, token });
  try {
    const status = await client.requestSurvey({
      workOrderId,
      phone,
      ...(values.deadline ? { deadline: values.deadline } : {}),
      ...(values.channel ? { channelPreference: values.channel as 'phone' | 'sms' | 'phone-only' } : {}),
      confidential: !!values.confidential,
    });
    process.stdout.write(`survey of ${workOrderId}: ${status}\n`);
  } finally {
    client.close();
  }
}

if (process.argv[2] === 'survey') {
  await survey(process.argv.slice(3)).catch((err: unknown) => {
    process.stderr.write(`dev-core survey: ${(err as Error).message}\n`);
    process.exit(1);
  });
} else {
  const log = createLogger({ level: config.log.level, name: 'dev-core' });
  const core = new DevCore({
    intakesFile: config.devCore.file,
    callsFile: config.devCore.callsFile,
    surveysFile: config.devCore.surveysFile,
    token: config.devCore.token || undefined,
    log,
  });
  const address = await core.start(config.devCore.host, config.devCore.port);
  process.stdout.write(`development work-order core listening on ${address}; intakes in ${config.devCore.file}\n`);
  const stop = () => {
    core.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
