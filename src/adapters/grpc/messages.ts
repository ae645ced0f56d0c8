// Wire shapes of hotline.intake.v1 as plain objects (proto3 JSON mapping, see proto.ts).
import type { Intake } from '../../core/intake/intake.js';

export interface SubmitRequest {
  intake: Intake;
}

export interface SubmitAckMessage {
  intakeId?: string;
  idempotencyKey?: string;
  duplicate?: boolean;
  workOrderId?: string;
  rejection?: { code?: string; message?: string };
}

// hotline.calls.v1 and hotline.query.v1 (call records, work-order progress).
export interface CallRecordWire extends Record<string, unknown> {
  callId: string;
  disposition: string;
}

export interface SubmitCallRecordsRequest {
  records: CallRecordWire[];
}

export interface SubmitCallRecordsResponse {
  acks?: { callId?: string; duplicate?: boolean; rejection?: { code?: string; message?: string } }[];
}

export interface GetWorkOrderProgressRequest {
  workOrderId?: string;
  caller?: string;
}

export interface WorkOrderProgressMessage {
  found?: boolean;
  workOrderId?: string;
  status?: string;
  statusText?: string;
  updatedTime?: string;
}

// hotline.control.v1 and hotline.survey.v1 (survey requests from the core, results back to it).
export interface RequestSurveyMessage {
  workOrderId?: string;
  citizenPhone?: string;
  deadline?: string;
  channelPreference?: string;
  confidential?: boolean;
}

export interface RequestSurveyResponseMessage {
  status?: 'STATUS_ACCEPTED' | 'STATUS_DUPLICATE';
  workOrderId?: string;
}

export interface SurveyResultWire extends Record<string, unknown> {
  workOrderId: string;
  outcome: string;
}

export interface ReportAckMessage {
  workOrderId?: string;
  duplicate?: boolean;
}

export interface GetCallerHistoryRequest {
  caller?: string;
  maxIntakes?: number;
}

export interface CallerHistoryMessage {
  recentIntakes?: { intakeId?: string; receivedTime?: string; channel?: string; summary?: string }[];
  openWorkOrders?: { workOrderId?: string; status?: string; statusText?: string; summary?: string }[];
}
