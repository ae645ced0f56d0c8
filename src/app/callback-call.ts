// Composition of the citizen's leg of callback attempts (issue 6): part of the composition root,
// kept apart from gateway.ts. The callback service (which reserves the agent and brings the
// agent's leg up first) calls the caller built here.
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import { promptFile, type IvrConfig } from '../config/ivr.js';
import type { Logger } from '../log/logger.js';
import type { CallStore } from '../core/ports/call-records.js';
import type { CallRecorder } from '../services/call-recorder.js';
import type { Switch } from '../core/ports/switch.js';
import { trunkEndpoint } from '../core/sip/numbers.js';
import { SwitchCallbackCaller } from '../services/callback-call.js';

export interface CallbackCallDeps {
  config: Config;
  ivr: IvrConfig;
  switches: readonly Switch[];
  calls: Pick<CallStore, 'saveRecording'>;
  /** Each attempt's call-detail record. */
  callRecords: CallRecorder;
  log: Logger;
}

/** The caller of callbacks.call; a prompt id missing from the IVR file stops start-up naming the key. */
export function composeCallbackCaller(d: CallbackCallDeps): SwitchCallbackCaller {
  const { config } = d;
  const c = config.callbacks.call;
  for (const [role, id] of Object.entries(c.prompts)) {
    if (!d.ivr.prompts.has(id)) throw new ConfigError(`invalid configuration: callbacks.call.prompts.${role}: no prompt ${id} in ${config.telephony.ivrFile}`);
  }
  return new SwitchCallbackCaller({
    switches: new Map(d.switches.map((sw) => [sw.id, sw])),
    endpoint: (e164) => trunkEndpoint(c.gateway, e164),
    callerIdNumber: c.callerId,
    ringTimeoutSec: c.ringTimeoutSec,
    prompts: c.prompts,
    media: (id) => promptFile(d.ivr, config.telephony.promptsDir, id),
    recordingsDir: resolve(config.telephony.recordingsDir),
    calls: d.calls,
    callRecords: d.callRecords,
    log: d.log.child({ component: 'callbacks' }),
  });
}
