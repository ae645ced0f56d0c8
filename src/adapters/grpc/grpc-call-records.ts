import type * as grpc from '@grpc/grpc-js';
import type { CallDetailRecord } from '../../core/calls/call-record.js';
import type { CallRecordAck, CallRecordSink } from '../../core/ports/call-records.js';
import type { CallerHistory, CallerHistoryQuery, WorkOrderProgress, WorkOrderQuery } from '../../core/ports/work-order-query.js';
import { CALL_RECORDS, CORE_QUERY } from './proto.js';
import { client, unary, type GrpcCoreClientOptions } from './client.js';

export type { GrpcCoreClientOptions } from './client.js';
import type {
  CallerHistoryMessage,
  CallRecordWire,
  GetCallerHistoryRequest,
  GetWorkOrderProgressRequest,
  SubmitCallRecordsRequest,
  SubmitCallRecordsResponse,
  WorkOrderProgressMessage,
} from './messages.js';

/** A CDR in the proto3 JSON mapping of hotline.calls.v1.CallRecord. */
export function callRecordToWire(record: CallDetailRecord): CallRecordWire {
  const { recording, facts, entry, ...rest } = record;
  return {
    ...rest,
    disposition: `DISPOSITION_${record.disposition.toUpperCase().replace(/-/g, '_')}`,
    entry: { kind: entry.kind, fromLine: entry.fromLine ?? '', context: entry.context ?? {} },
    ...(recording
      ? {
          recording: {
            recordingId: recording.recordingId,
            path: recording.path,
            startTime: recording.startTime,
            ...(recording.endTime ? { endTime: recording.endTime } : {}),
            durationSec: recording.durationSec ?? 0,
            bytes: recording.bytes ?? 0,
            sha256: recording.sha256 ?? '',
            agentId: recording.agentId ?? '',
            error: recording.error ?? '',
          },
        }
      : {}),
    facts: facts.map((f) => ({ at: f.at, type: f.type, detail: f.detail ?? {} })),
  };
}

/** The core's call records service over gRPC: one unary call per batch, acks in order. */
export class GrpcCallRecordSink implements CallRecordSink {
  private readonly client: grpc.Client & Record<string, unknown>;

  constructor(private readonly options: GrpcCoreClientOptions) {
    this.client = client(CALL_RECORDS, options);
  }

  async submitBatch(records: CallDetailRecord[]): Promise<{ acks: CallRecordAck[]; error?: Error }> {
    try {
      const res = await unary<SubmitCallRecordsRequest, SubmitCallRecordsResponse>(this.client, 'SubmitBatch', this.options, {
        records: records.map(callRecordToWire),
      });
      const acks: CallRecordAck[] = [];
      for (const [i, ack] of (res.acks ?? []).entries()) {
        const expected = records[i];
        if (!expected || (ack.callId && ack.callId !== expected.callId)) {
          return { acks, error: new Error(`core acknowledged ${ack.callId ?? '?'} out of order`) };
        }
        acks.push({
          callId: expected.callId,
          duplicate: !!ack.duplicate,
          ...(ack.rejection?.code ? { rejection: { code: ack.rejection.code, message: ack.rejection.message ?? '' } } : {}),
        });
      }
      return acks.length < records.length ? { acks, error: new Error(`core acknowledged ${acks.length} of ${records.length}`) } : { acks };
    } catch (err) {
      return { acks: [], error: err as Error };
    }
  }

  close(): void {
    this.client.close();
  }
}

/**
 * Queries of the core (hotline.query.v1.CoreQuery): work-order progress for the IVR and the
 * caller's history for the agent's screen pop. Someone waits on each, so the deadlines are short.
 */
export class GrpcWorkOrderQuery implements WorkOrderQuery, CallerHistoryQuery {
  private readonly client: grpc.Client & Record<string, unknown>;

  constructor(
    private readonly options: GrpcCoreClientOptions & { queryDeadlineMs: number },
  ) {
    this.client = client(CORE_QUERY, options);
  }

  async progress(workOrderId: string, caller?: string): Promise<WorkOrderProgress> {
    const res = await unary<GetWorkOrderProgressRequest, WorkOrderProgressMessage>(
      this.client,
      'GetWorkOrderProgress',
      this.options,
      { workOrderId, ...(caller ? { caller } : {}) },
      this.options.queryDeadlineMs,
    );
    if (!res.found) return { found: false };
    return {
      found: true,
      workOrderId: res.workOrderId ?? workOrderId,
      status: res.status ?? 'UNKNOWN',
      statusText: res.statusText ?? '',
      ...(res.updatedTime ? { updatedTime: res.updatedTime } : {}),
    };
  }

  async callerHistory(caller: string, maxIntakes: number, deadlineMs: number): Promise<CallerHistory> {
    const res = await unary<GetCallerHistoryRequest, CallerHistoryMessage>(
      this.client,
      'GetCallerHistory',
      this.options,
      { caller, maxIntakes },
      deadlineMs,
    );
    return {
      recentIntakes: (res.recentIntakes ?? []).map((i) => ({
        intakeId: i.intakeId ?? '',
        receivedTime: i.receivedTime ?? '',
        channel: i.channel ?? 'CHANNEL_UNSPECIFIED',
        summary: i.summary ?? '',
      })),
      openWorkOrders: (res.openWorkOrders ?? []).map((w) => ({
        workOrderId: w.workOrderId ?? '',
        status: w.status ?? 'UNKNOWN',
        statusText: w.statusText ?? '',
        ...(w.summary ? { summary: w.summary } : {}),
      })),
    };
  }

  close(): void {
    this.client.close();
  }
}
