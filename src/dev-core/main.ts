// npm run dev-core: the development work-order core as its own process.
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { DevCore } from './dev-core.js';

const { config } = loadConfig();
const log = createLogger({ level: config.log.level, name: 'dev-core' });
const core = new DevCore({ intakesFile: config.devCore.file, token: config.devCore.token || undefined, log });
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
