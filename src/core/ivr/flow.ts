// IVR flows as data (declared in config/ivr.yaml, validated at start-up). GB/T 33358-2016
// discourages voice menus and wants a person within 15 s, so the one flow is short: welcome (with
// the emergency notice) → straight into the general agent queue; keys are offered, never required.

/** What a key pressed during the welcome or while waiting does. */
export const KEY_ACTIONS = ['emergency', 'enterprise', 'progress', 'counselling', 'callback'] as const;
export type KeyAction = (typeof KEY_ACTIONS)[number];

/** 紧急热线 (seeds/003 measure 2; 国办函〔2025〕66号). */
export const EMERGENCY_LINE_NUMBERS = ['110', '119', '120', '122'] as const;
export type EmergencyLineNumber = (typeof EMERGENCY_LINE_NUMBERS)[number];

/** Media the engine plays, by role; config maps each to a prompt (text + recorded file). */
export const PROMPT_ROLES = [
  'welcome',
  'welcomeFromEmergency',
  'restricted',
  'emergencySelect',
  'emergencyFailed',
  'enterpriseQueue',
  'counsellingQueue',
  'progressAsk',
  'progressNotFound',
  'progressUnavailable',
  'progressInvalid',
  'callbackRegistered',
  'callbackExisting',
  'callbackFailed',
  'invalidKey',
  'holdMusic',
  'overloadCallback',
  'overloadBusy',
] as const;
export type PromptRole = (typeof PROMPT_ROLES)[number];

export interface IvrFlow {
  /** Single DTMF keys ('0'–'9', '*', '#') → action. */
  keys: Partial<Record<string, KeyAction>>;
  /** Media name (prompt id) per role. */
  media: Record<PromptRole, string>;
  /** Media per work-order status code the core answers (ACCEPTED, PROCESSING, DONE …). */
  statusMedia: Record<string, string>;
  /** Media for a status code not in statusMedia. */
  statusUnknownMedia: string;
  queues: { general: string; enterprise: string; counselling: string };
  emergency: {
    /** Key after the emergency key → line; no key or another key → defaultLine. */
    select: Partial<Record<string, EmergencyLineNumber>>;
    selectTimeoutMs: number;
    defaultLine: EmergencyLineNumber;
  };
  progress: { minDigits: number; maxDigits: number; timeoutMs: number; interDigitTimeoutMs: number };
}

/** Where emergency legs go: a priority route with its own trunk (TELEPHONY-NOTES.md). */
export interface EmergencyRoutes {
  /** The switch gateway (trunk) emergency legs leave by. */
  trunk: string;
  numbers: Record<EmergencyLineNumber, string>;
}
