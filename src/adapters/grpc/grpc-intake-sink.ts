import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Intake } from '../../core/intake/intake.js';
import type { IntakeSink, SinkAck, SinkBatchResult } from '../../core/ports/intake-sink.js';
import { INTAKE_SINK, serviceDefinition } from './proto.js';
import type { SubmitAckMessage, SubmitRequest } from './messages.js';

export interface GrpcIntakeSinkOptions {
  address: string;
  token?: string;
  tlsCaFile?: string;
  deadlineMs: number;
}

type StreamCall = grpc.ClientDuplexStream<SubmitRequest, SubmitAckMessage>;

const WRITE_SLICE = 25;

/**
 * The work-order core's IntakeSink over gRPC. A batch travels on one SubmitStream call: the core
 * acknowledges each request in order, so a broken stream tells exactly which intakes arrived.
 */
export class GrpcIntakeSink implements IntakeSink {
  private readonly client: grpc.Client & Record<string, unknown>;

  constructor(private readonly options: GrpcIntakeSinkOptions) {
    const Client = grpc.makeGenericClientConstructor(serviceDefinition(INTAKE_SINK), 'IntakeSink');
    const channel = options.tlsCaFile
      ? grpc.credentials.createSsl(readFileSync(options.tlsCaFile))
      : grpc.credentials.createInsecure();
    this.client = new Client(options.address, channel, {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 5_000,
    }) as grpc.Client & Record<string, unknown>;
  }

  submitBatch(intakes: Intake[]): Promise<SinkBatchResult> {
    const acks: SinkAck[] = [];
    return new Promise((resolve) => {
      const metadata = new grpc.Metadata();
      if (this.options.token) metadata.set('authorization', `Bearer ${this.options.token}`);
      const call = (this.client.SubmitStream as (m: grpc.Metadata, o: grpc.CallOptions) => StreamCall).call(
        this.client,
        metadata,
        { deadline: Date.now() + this.options.deadlineMs },
      );
      let done = false;
      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        if (!error && acks.length < intakes.length) error = new Error(`core acknowledged ${acks.length} of ${intakes.length}`);
        resolve(error ? { acks, error } : { acks });
      };
      call.on('data', (ack: SubmitAckMessage) => {
        const expected = intakes[acks.length];
        if (!expected || (ack.intakeId && ack.intakeId !== expected.intakeId)) {
          call.cancel();
          finish(new Error(`core acknowledged ${ack.intakeId ?? '?'} out of order`));
          return;
        }
        acks.push({
          intakeId: expected.intakeId,
          duplicate: !!ack.duplicate,
          workOrderId: ack.workOrderId || undefined,
          rejection: ack.rejection?.code ? { code: ack.rejection.code, message: ack.rejection.message ?? '' } : undefined,
        });
      });
      call.on('error', (err) => finish(err));
      call.on('end', () => finish());
      // Serialising a record costs tens of microseconds; a whole batch at once would hold the
      // event loop (and every citizen's HTTP accept) for milliseconds. Write it in slices.
      let next = 0;
      const writeSlice = () => {
        if (done) return;
        const end = Math.min(next + WRITE_SLICE, intakes.length);
        for (; next < end; next++) call.write({ intake: intakes[next]! });
        if (next < intakes.length) setImmediate(writeSlice);
        else call.end();
      };
      writeSlice();
    });
  }

  close(): void {
    this.client.close();
  }
}
