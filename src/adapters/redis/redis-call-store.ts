import type { Redis } from 'ioredis';
import type { CallFact, RecordingMetadata } from '../../core/calls/call-record.js';
import type { CallStore } from '../../core/ports/call-records.js';
import type { RedisKeys } from './keys.js';

export interface RedisCallStoreOptions {
  /** How long a call's facts are kept; recording metadata is kept as long as the archive (no expiry). */
  factRetentionSeconds: number;
}

/** Recording metadata (a hash per call, art. 17) and the facts of each call (a list). */
export class RedisCallStore implements CallStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: RedisCallStoreOptions,
  ) {}

  async saveRecording(meta: RecordingMetadata): Promise<void> {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(meta)) {
      if (v === undefined) continue;
      fields[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    await this.redis.hset(this.keys.recording(meta.callId), fields);
  }

  async recording(callId: string): Promise<RecordingMetadata | undefined> {
    const h = await this.redis.hgetall(this.keys.recording(callId));
    if (!h.recordingId) return undefined;
    return {
      recordingId: h.recordingId,
      callId: h.callId!,
      caller: h.caller!,
      entry: JSON.parse(h.entry ?? '{"kind":"other"}') as RecordingMetadata['entry'],
      path: h.path!,
      startTime: h.startTime!,
      ...(h.agentId ? { agentId: h.agentId } : {}),
      ...(h.endTime ? { endTime: h.endTime } : {}),
      ...(h.durationSec ? { durationSec: Number(h.durationSec) } : {}),
      ...(h.bytes ? { bytes: Number(h.bytes) } : {}),
      ...(h.sha256 ? { sha256: h.sha256 } : {}),
      ...(h.error ? { error: h.error } : {}),
    };
  }

  async appendFact(callId: string, fact: CallFact): Promise<void> {
    const key = this.keys.callFacts(callId);
    await this.redis.multi().rpush(key, JSON.stringify(fact)).expire(key, this.options.factRetentionSeconds).exec();
  }

  async facts(callId: string): Promise<CallFact[]> {
    return (await this.redis.lrange(this.keys.callFacts(callId), 0, -1)).map((f) => JSON.parse(f) as CallFact);
  }
}
