import type { Config } from '../../config/schema.js';
import type { EslServer } from './esl-connection.js';

/** The Event Socket servers named by the configuration (an empty list: no FreeSWITCH). */
export function eslServersFromConfig(fs: Config['freeswitch']): EslServer[] {
  return fs.servers.map((entry) => {
    if (typeof entry !== 'string')
      return { host: entry.host, port: entry.port, password: entry.password ?? fs.password };
    const [host, port] = entry.split(':');
    return { host: host!, port: port ? Number(port) : 8021, password: fs.password };
  });
}
