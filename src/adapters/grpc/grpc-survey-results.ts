import type { SurveyResultSink } from '../../core/ports/surveys.js';
import type { AttemptRecord, SurveyResult } from '../../core/surveys/survey.js';
import { client, unary, type GrpcCoreClientOptions } from './client.js';
import type { ReportAckMessage, SurveyResultWire } from './messages.js';
import { SURVEY_RESULTS } from './proto.js';

const upper = (v: string) => v.toUpperCase().replace(/-/g, '_');
const iso = (ms: number) => new Date(ms).toISOString();

function attemptToWire(a: AttemptRecord): Record<string, unknown> {
  return {
    number: a.number,
    channel: `CHANNEL_${upper(a.channel)}`,
    startedTime: iso(a.startedAt),
    outcome: a.outcome ?? '',
    callId: a.callId ?? '',
  };
}

/** A result in the proto3 JSON mapping of hotline.survey.v1.SurveyResult. */
export function surveyResultToWire(r: SurveyResult): SurveyResultWire {
  return {
    workOrderId: r.workOrderId,
    outcome: `OUTCOME_${upper(r.outcome)}`,
    rating: r.rating ? `RATING_${upper(r.rating)}` : 'RATING_UNSPECIFIED',
    channel: `CHANNEL_${upper(r.channel)}`,
    ...(r.reasonRecording ? { reasonRecording: { ...r.reasonRecording } } : {}),
    attempts: r.attempts,
    attemptLog: r.attemptLog.map(attemptToWire),
    reason: r.reason ?? '',
    requestedTime: iso(r.requestedAt),
    completedTime: iso(r.completedAt),
  };
}

/** The core's survey results service over gRPC (one unary Report per result). */
export class GrpcSurveyResults implements SurveyResultSink {
  private readonly client: ReturnType<typeof client>;

  constructor(private readonly options: GrpcCoreClientOptions) {
    this.client = client(SURVEY_RESULTS, options);
  }

  async report(result: SurveyResult): Promise<{ duplicate: boolean }> {
    const ack = await unary<SurveyResultWire, ReportAckMessage>(this.client, 'Report', this.options, surveyResultToWire(result));
    return { duplicate: !!ack.duplicate };
  }

  close(): void {
    this.client.close();
  }
}
