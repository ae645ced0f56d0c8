// The intake record (诉求) as the domain sees it. Field names and enum values follow the proto3
// JSON mapping of proto/hotline/intake/v1/intake.proto, so a record is stored, logged and sent
// without a translation layer; times are RFC 3339 strings.

export const CHANNELS = [
  'CHANNEL_PHONE',
  'CHANNEL_WEB',
  'CHANNEL_SMS',
  'CHANNEL_WECHAT',
  'CHANNEL_APP',
  'CHANNEL_NATIONAL_PLATFORM',
  'CHANNEL_SUB_CENTRE',
  'CHANNEL_EMERGENCY_LINE',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const INTAKE_TYPES = [
  'INTAKE_TYPE_UNKNOWN',
  'INTAKE_TYPE_CONSULT',
  'INTAKE_TYPE_HELP',
  'INTAKE_TYPE_COMPLAINT',
  'INTAKE_TYPE_REPORT',
  'INTAKE_TYPE_SUGGESTION',
  'INTAKE_TYPE_PRAISE',
] as const;
export type IntakeType = (typeof INTAKE_TYPES)[number];

export const URGENCIES = ['URGENCY_NORMAL', 'URGENCY_URGENT', 'URGENCY_CRITICAL'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** Art. 11 (一)–(九) of seeds/002: the nine kinds of matter 12345 does not accept. */
export const SCOPE_REASONS = [
  'SCOPE_REASON_LEGAL_PROCEDURE',
  'SCOPE_REASON_PETITION',
  'SCOPE_REASON_SECRET_OR_PRIVACY',
  'SCOPE_REASON_EMERGENCY_LINE',
  'SCOPE_REASON_MILITARY',
  'SCOPE_REASON_ABUSIVE_OR_EMPTY',
  'SCOPE_REASON_REPEAT_CLOSED',
  'SCOPE_REASON_OUTSIDE_JURISDICTION',
  'SCOPE_REASON_EXCLUDED_BY_LAW',
] as const;
export type ScopeReason = (typeof SCOPE_REASONS)[number];

export const EMERGENCY_LINES = [
  'EMERGENCY_LINE_NONE',
  'EMERGENCY_LINE_110',
  'EMERGENCY_LINE_119',
  'EMERGENCY_LINE_120',
  'EMERGENCY_LINE_122',
] as const;
export type EmergencyLine = (typeof EMERGENCY_LINES)[number];

export const REQUIRED_ELEMENTS = [
  'REQUIRED_ELEMENT_CONTACT',
  'REQUIRED_ELEMENT_CONTENT',
  'REQUIRED_ELEMENT_TIME',
  'REQUIRED_ELEMENT_PLACE',
] as const;
export type RequiredElement = (typeof REQUIRED_ELEMENTS)[number];

export const DATUMS = ['DATUM_WGS84', 'DATUM_GCJ02', 'DATUM_BD09'] as const;
export type Datum = (typeof DATUMS)[number];

export interface Citizen {
  phone?: string;
  name?: string;
  wechatOpenid?: string;
  partnerUserId?: string;
  confidentialityRequested?: boolean;
  replyWanted?: boolean;
  citizenKey: string;
}

export interface Attachment {
  kind: string;
  uri?: string;
  mediaId?: string;
  title?: string;
  mimeType?: string;
}

export interface Transcript {
  text: string;
  engine: string;
  language?: string;
}

export interface Content {
  text: string;
  attachments?: Attachment[];
  transcript?: Transcript;
}

export interface Coordinates {
  latitude: number;
  longitude: number;
  datum: Datum;
  accuracyM?: number;
}

export interface Location {
  text?: string;
  coordinates?: Coordinates;
  areaCode?: string;
  areaName?: string;
}

export interface Incident {
  time?: string;
  timeText?: string;
  location?: Location;
}

export interface Classification {
  type: IntakeType;
  urgency: Urgency;
  topics?: string[];
}

export interface Scope {
  inScope: boolean;
  reason?: ScopeReason;
  explanation?: string;
}

export interface Links {
  callId?: string;
  recordingId?: string;
  agentId?: string;
  relatedIntakeIds?: string[];
  externalId?: string;
}

export interface Decision {
  rule: string;
  outcome: string;
  reason?: string;
}

export interface Intake {
  intakeId: string;
  idempotencyKey: string;
  channel: Channel;
  receivedTime: string;
  citizen: Citizen;
  content: Content;
  incident?: Incident;
  classification: Classification;
  scope: Scope;
  emergencyLine: EmergencyLine;
  missingElements: RequiredElement[];
  links?: Links;
  decisions: Decision[];
}

/** Outbox order: critical intakes go ahead of urgent, urgent ahead of normal (art. 18). */
export function urgencyRank(urgency: Urgency): number {
  switch (urgency) {
    case 'URGENCY_CRITICAL':
      return 0;
    case 'URGENCY_URGENT':
      return 1;
    case 'URGENCY_NORMAL':
      return 2;
  }
}
