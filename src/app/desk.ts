// Composition of the agent desk (issue 5): part of the composition root, in its own file so
// gateway.ts stays readable. The desk ws (people, tokens, frames) is handed the DeskService built here.
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { promptFile, type IvrConfig } from '../config/ivr.js';
import type { Logger } from '../log/logger.js';
import type { AcdPolicy } from '../core/acd/model.js';
import type { Acd } from '../core/ports/acd.js';
import type { CallCenterFigures } from '../core/ports/figures.js';
import type { Switch } from '../core/ports/switch.js';
import type { CallerHistoryQuery } from '../core/ports/work-order-query.js';
import type { RedisKeys } from '../adapters/redis/keys.js';
import { RedisDeskBus } from '../adapters/redis/redis-desk-bus.js';
import { RedisDeskStore } from '../adapters/redis/redis-desk-store.js';
import { AgentDesk, type AgentDeskOptions } from '../services/desk/agent-desk.js';
import { CallControl } from '../services/desk/call-control.js';
import { directoryFromConfig } from '../config/directory.js';
import type { CallStore } from '../core/ports/call-records.js';
import type { IntakeAccepting } from '../services/desk/wrap-up.js';

export interface DeskDeps {
  config: Config;
  ivr: IvrConfig;
  redis: Redis;
  keys: RedisKeys;
  /** This gateway instance: the owner named on the calls its IVR queues. */
  instanceId: string;
  switches: readonly Switch[];
  acd: Acd;
  policy: AcdPolicy;
  figures: CallCenterFigures;
  query: CallerHistoryQuery;
  acceptor: IntakeAccepting;
  /** Call facts (transfers, conferences) go on the call's record. */
  calls: Pick<CallStore, 'appendFact'>;
  /** The IVR takes a connected call back to waiting in a queue (blind transfer; IvrRunner.requeue). */
  requeue?: (callId: string, queue: string) => boolean;
  /** Callbacks (issue 6): the citizen's leg and the desk's hooks (src/app/callbacks.ts). */
  callbacks?: AgentDeskOptions['callbacks'];
  log: Logger;
}

/** The desk service of this instance; start it before the IVR runners take calls. */
export function composeDesk(d: DeskDeps): AgentDesk {
  const log = d.log.child({ component: 'desk', instance: d.instanceId });
  // The IVR's hold music, as the switch plays it.
  const holdMedia = promptFile(d.ivr, d.config.telephony.promptsDir, d.ivr.flow.media.holdMusic);
  const directory = directoryFromConfig(d.config.directory);
  return new AgentDesk({
    instanceId: d.instanceId,
    switches: d.switches,
    acd: d.acd,
    policy: d.policy,
    store: new RedisDeskStore(d.redis, d.keys, d.config.desk.callRetentionHours * 3600),
    bus: new RedisDeskBus(d.redis, d.keys, d.instanceId, log),
    figures: d.figures,
    query: d.query,
    acceptor: d.acceptor,
    desk: d.config.desk,
    holdMedia,
    ...(d.requeue ? { requeue: d.requeue } : {}),
    ...(d.callbacks ? { callbacks: d.callbacks } : {}),
    callControl: (sw) =>
      new CallControl({
        switch: sw,
        calls: d.calls,
        intakes: d.acceptor,
        directory,
        emergency: d.ivr.emergency,
        holdMusic: holdMedia,
        log: log.child({ switch: sw.id }),
      }),
    log,
  });
}
