import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log/logger.js';
import { CALL_RECORDS, CORE_QUERY, INTAKE_SINK, SURVEY_RESULTS, serviceDefinition } from '../adapters/grpc/proto.js';
import type {
  CallerHistoryMessage,
  GetCallerHistoryRequest,
  GetWorkOrderProgressRequest,
  ReportAckMessage,
  SurveyResultWire,
  SubmitAckMessage,
  SubmitCallRecordsRequest,
  SubmitCallRecordsResponse,
  SubmitRequest,
  WorkOrderProgressMessage,
} from '../adapters/grpc/messages.js';
import { JsonlStore } from './jsonl-store.js';
import { ControlClient, type SurveyAsk } from './control-client.js';

export interface DevCoreOptions {
  intakesFile: string;
  /** Call-detail records, one JSON line each, once per call id (HOTLINE_DEV_CORE_CALLS_FILE). */
  callsFile?: string;
  /** Survey results (hotline.survey.v1), one JSON line each, once per work order (HOTLINE_DEV_CORE_SURVEYS_FILE). */
  surveysFile?: string;
  token?: string;
  log: Logger;
}

interface StoredIntake {
  intakeId: string;
  workOrderId: string;
  storedTime?: string;
  /** For the caller history of the screen pop. */
  phone?: string;
  receivedTime?: string;
  channel?: string;
  summary?: string;
}

/** What the dev core remembers of an intake (proto3 JSON) beside its work order. */
function remembered(intake: Record<string, unknown> | undefined): Pick<StoredIntake, 'phone' | 'receivedTime' | 'channel' | 'summary'> {
  const i = (intake ?? {}) as { citizen?: { phone?: string }; receivedTime?: string; channel?: string; content?: { text?: string } };
  const text = i.content?.text ?? '';
  return {
    ...(i.citizen?.phone ? { phone: i.citizen.phone } : {}),
    ...(i.receivedTime ? { receivedTime: i.receivedTime } : {}),
    ...(i.channel ? { channel: i.channel } : {}),
    ...(text ? { summary: [...text].slice(0, 60).join('') } : {}),
  };
}

/**
 * The development work-order core (工单系统 stand-in): a real gRPC server implementing
 * hotline.intake.v1.IntakeSink. It stores each intake once, by idempotency key, as one JSON line
 * {workOrderId, storedTime, intake} with the intake in the proto3 JSON mapping.
 */
export class DevCore {
  private readonly server = new grpc.Server();
  readonly intakes: JsonlStore<StoredIntake>;
  readonly calls: JsonlStore<true> | undefined;
  readonly surveys: JsonlStore<true> | undefined;
  private port = 0;
  private control: ControlClient | undefined;

  constructor(private readonly options: DevCoreOptions) {
    this.intakes = new JsonlStore<StoredIntake>(
      options.intakesFile,
      (line) => (line.intake as { idempotencyKey?: string } | undefined)?.idempotencyKey,
      (line) => ({
        intakeId: String((line.intake as { intakeId?: string }).intakeId),
        workOrderId: String(line.workOrderId),
        ...(typeof line.storedTime === 'string' ? { storedTime: line.storedTime } : {}),
        ...remembered(line.intake as Record<string, unknown> | undefined),
      }),
    );
    this.calls = options.callsFile
      ? new JsonlStore<true>(options.callsFile, (line) => (line.record as { callId?: string } | undefined)?.callId, () => true)
      : undefined;
    this.surveys = options.surveysFile
      ? new JsonlStore<true>(options.surveysFile, (line) => (line.result as { workOrderId?: string } | undefined)?.workOrderId, () => true)
      : undefined;
    this.server.addService(serviceDefinition(SURVEY_RESULTS), {
      Report: (call: grpc.ServerUnaryCall<SurveyResultWire, ReportAckMessage>, cb: grpc.sendUnaryData<ReportAckMessage>) => {
        if (!this.authorised(call.metadata)) return cb({ code: grpc.status.UNAUTHENTICATED, details: 'bad or missing token' });
        const store = this.surveys;
        if (!store) return cb({ code: grpc.status.UNIMPLEMENTED, details: 'this dev core keeps no survey results' });
        const r = call.request;
        if (!r.workOrderId) return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'work_order_id: required' });
        store
          .appendNew(
            [r],
            (x) => x.workOrderId,
            (x) => ({ line: { storedTime: new Date().toISOString(), result: x }, value: true }),
          )
          .then(
            ([s]) => cb(null, { workOrderId: r.workOrderId, duplicate: s!.duplicate }),
            (err: Error) => cb({ code: grpc.status.UNAVAILABLE, details: err.message }),
          );
      },
    });
    this.server.addService(serviceDefinition(INTAKE_SINK), {
      Submit: (call: grpc.ServerUnaryCall<SubmitRequest, SubmitAckMessage>, cb: grpc.sendUnaryData<SubmitAckMessage>) => {
        if (!this.authorised(call.metadata)) return cb({ code: grpc.status.UNAUTHENTICATED, details: 'bad or missing token' });
        this.store([call.request]).then(
          ([ack]) => cb(null, ack),
          (err: Error) => cb({ code: grpc.status.UNAVAILABLE, details: err.message }),
        );
      },
      SubmitStream: (call: grpc.ServerDuplexStream<SubmitRequest, SubmitAckMessage>) => this.stream(call),
    });
    this.server.addService(serviceDefinition(CALL_RECORDS), {
      SubmitBatch: (
        call: grpc.ServerUnaryCall<SubmitCallRecordsRequest, SubmitCallRecordsResponse>,
        cb: grpc.sendUnaryData<SubmitCallRecordsResponse>,
      ) => {
        if (!this.authorised(call.metadata)) return cb({ code: grpc.status.UNAUTHENTICATED, details: 'bad or missing token' });
        if (!this.calls) return cb({ code: grpc.status.UNIMPLEMENTED, details: 'this dev core keeps no call records' });
        this.storeCalls(this.calls, call.request.records ?? []).then(
          (acks) => cb(null, { acks }),
          (err: Error) => cb({ code: grpc.status.UNAVAILABLE, details: err.message }),
        );
      },
    });
    this.server.addService(serviceDefinition(CORE_QUERY), {
      GetWorkOrderProgress: (
        call: grpc.ServerUnaryCall<GetWorkOrderProgressRequest, WorkOrderProgressMessage>,
        cb: grpc.sendUnaryData<WorkOrderProgressMessage>,
      ) => {
        if (!this.authorised(call.metadata)) return cb({ code: grpc.status.UNAUTHENTICATED, details: 'bad or missing token' });
        cb(null, this.progress(call.request.workOrderId ?? ''));
      },
      GetCallerHistory: (
        call: grpc.ServerUnaryCall<GetCallerHistoryRequest, CallerHistoryMessage>,
        cb: grpc.sendUnaryData<CallerHistoryMessage>,
      ) => {
        if (!this.authorised(call.metadata)) return cb({ code: grpc.status.UNAUTHENTICATED, details: 'bad or missing token' });
        cb(null, this.history(call.request.caller ?? '', call.request.maxIntakes || 5));
      },
    });
  }

  /**
   * Answers from what it stored: a caller keys the digits of a work-order number (WO + 15
   * digits). The dev core has no work-order lifecycle, so a stored intake is ACCEPTED.
   */
  private progress(keyed: string): WorkOrderProgressMessage {
    const digits = keyed.replace(/\D/g, '');
    if (!digits) return { found: false };
    for (const v of this.intakes.values()) {
      if (v.workOrderId.replace(/\D/g, '') === digits) {
        return {
          found: true,
          workOrderId: v.workOrderId,
          status: 'ACCEPTED',
          statusText: '已受理，正在办理中',
          ...(v.storedTime ? { updatedTime: v.storedTime } : {}),
        };
      }
    }
    return { found: false };
  }

  /**
   * The caller's intakes, newest first, from what it stored. The dev core has no work-order
   * lifecycle: every stored intake's work order is open (ACCEPTED).
   */
  private history(caller: string, max: number): CallerHistoryMessage {
    if (!caller) return {};
    const mine = [...this.intakes.values()]
      .filter((v) => v.phone === caller)
      .sort((a, b) => (b.receivedTime ?? '').localeCompare(a.receivedTime ?? ''));
    return {
      recentIntakes: mine.slice(0, max).map((v) => ({
        intakeId: v.intakeId,
        ...(v.receivedTime ? { receivedTime: v.receivedTime } : {}),
        ...(v.channel ? { channel: v.channel } : {}),
        summary: v.summary ?? '',
      })),
      openWorkOrders: mine.map((v) => ({ workOrderId: v.workOrderId, status: 'ACCEPTED', statusText: '已受理，正在办理中', summary: v.summary ?? '' })),
    };
  }

  private async storeCalls(store: JsonlStore<true>, records: SubmitCallRecordsRequest['records']): Promise<NonNullable<SubmitCallRecordsResponse['acks']>> {
    const valid = records.filter((r) => r.callId);
    const stored = await store.appendNew(
      valid,
      (r) => r.callId,
      (r) => ({ line: { storedTime: new Date().toISOString(), record: r }, value: true }),
    );
    let v = 0;
    return records.map((r) =>
      r.callId
        ? { callId: r.callId, duplicate: stored[v++]!.duplicate }
        : { callId: '', rejection: { code: 'INVALID_ARGUMENT', message: 'call_id is required' } },
    );
  }

  /** The gateway's control port and its token (the in-process gateway hands them over). */
  useGateway(controlAddress: string, token: string): void {
    this.control?.close();
    this.control = new ControlClient({ address: controlAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:'), token });
  }

  /** Asks the gateway for a follow-up survey, as the real core does when a work order is done. */
  requestSurvey(ask: SurveyAsk): Promise<'accepted' | 'duplicate'> {
    if (!this.control) return Promise.reject(new Error('dev core: no gateway control port known (useGateway)'));
    return this.control.requestSurvey(ask);
  }

  async start(host = '127.0.0.1', port = 0): Promise<string> {
    await this.intakes.open();
    await this.calls?.open();
    await this.surveys?.open();
    this.port = await new Promise<number>((res, rej) =>
      this.server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? rej(err) : res(p))),
    );
    this.options.log.info({ address: `${host}:${this.port}`, file: this.options.intakesFile, stored: this.intakes.size }, 'development work-order core listening');
    return `${host}:${this.port}`;
  }

  async stop(): Promise<void> {
    this.control?.close();
    await new Promise<void>((res) => this.server.tryShutdown(() => res()));
    await this.intakes.close();
    await this.calls?.close();
    await this.surveys?.close();
  }

  private authorised(metadata: grpc.Metadata): boolean {
    if (!this.options.token) return true;
    return metadata.get('authorization')[0] === `Bearer ${this.options.token}`;
  }

  /** Requests on a stream are stored in arrival order, in batches of what has arrived, and acked in order. */
  private stream(call: grpc.ServerDuplexStream<SubmitRequest, SubmitAckMessage>): void {
    if (!this.authorised(call.metadata)) {
      call.destroy(Object.assign(new Error('bad or missing token'), { code: grpc.status.UNAUTHENTICATED }));
      return;
    }
    let pending: SubmitRequest[] = [];
    let scheduled = false;
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    const flush = () => {
      scheduled = false;
      const batch = pending;
      pending = [];
      chain = chain.then(async () => {
        if (failed) return;
        try {
          for (const ack of await this.store(batch)) call.write(ack);
        } catch (err) {
          failed = true;
          this.options.log.error({ err }, 'dev core could not store intakes');
          call.destroy(Object.assign(new Error((err as Error).message), { code: grpc.status.UNAVAILABLE }));
        }
      });
    };
    call.on('data', (req: SubmitRequest) => {
      pending.push(req);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    call.on('end', () => {
      if (scheduled) flush();
      void chain.then(() => {
        if (!failed) call.end();
      });
    });
    call.on('error', () => undefined); // client cancelled: what was stored stays stored
  }

  private async store(requests: SubmitRequest[]): Promise<SubmitAckMessage[]> {
    const valid = requests.filter((r) => r.intake?.idempotencyKey && r.intake.intakeId);
    const stored = await this.intakes.appendNew(
      valid,
      (r) => r.intake.idempotencyKey,
      (r, ordinal) => {
        const storedTime = new Date().toISOString();
        const workOrderId = `WO${new Date().toISOString().slice(0, 10).replace(/-/g, '')}${String(ordinal).padStart(7, '0')}`;
        return {
          line: { workOrderId, storedTime, intake: r.intake },
          value: { intakeId: r.intake.intakeId, workOrderId, storedTime, ...remembered(r.intake as unknown as Record<string, unknown>) },
        };
      },
    );
    let v = 0;
    return requests.map((r) => {
      if (!r.intake?.idempotencyKey || !r.intake.intakeId) {
        return {
          intakeId: r.intake?.intakeId ?? '',
          rejection: { code: 'INVALID_ARGUMENT', message: 'intake_id and idempotency_key are required' },
        };
      }
      const s = stored[v++]!;
      return {
        intakeId: r.intake.intakeId,
        idempotencyKey: r.intake.idempotencyKey,
        duplicate: s.duplicate,
        workOrderId: s.value.workOrderId,
      };
    });
  }
}
