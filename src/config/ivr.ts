import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EMERGENCY_LINE_NUMBERS, KEY_ACTIONS, PROMPT_ROLES, type EmergencyRoutes, type IvrFlow, type PromptRole } from '../core/ivr/flow.js';
import { ConfigError } from './load.js';
import { announcementPromptTexts } from '../core/acd/announcement.js';

const dtmfKey = z.string().regex(/^[0-9*#]$/, 'must be one DTMF key: 0–9, * or #');
const line = z.enum(EMERGENCY_LINE_NUMBERS);
const ms = z.number().int().positive();
const promptId = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, - and _ (it names a file)');

const ivrSchema = z
  .object({
    keys: z.record(dtmfKey, z.enum(KEY_ACTIONS)),
    queues: z.object({ general: z.string().min(1), enterprise: z.string().min(1), counselling: z.string().min(1) }).strict(),
    emergency: z
      .object({
        trunk: z.string().min(1),
        numbers: z.object({ '110': z.string().min(1), '119': z.string().min(1), '120': z.string().min(1), '122': z.string().min(1) }).strict(),
        select: z.record(dtmfKey, line),
        selectTimeoutMs: ms,
        defaultLine: line,
      })
      .strict(),
    progress: z
      .object({ minDigits: z.number().int().min(1).max(32), maxDigits: z.number().int().min(1).max(32), timeoutMs: ms, interDigitTimeoutMs: ms, queryDeadlineMs: ms })
      .strict(),
    prompts: z.record(
      promptId,
      z.object({ text: z.string().min(1).optional(), music: z.boolean().optional(), file: z.string().default('') }).strict(),
    ),
    statusPrompts: z.record(z.string().regex(/^[A-Z_]+$/, 'status codes are upper case'), promptId),
    statusUnknownPrompt: promptId,
  })
  .strict();

export type IvrConfigFile = z.infer<typeof ivrSchema>;

export interface Prompt {
  id: string;
  text?: string;
  music: boolean;
  /** Recorded audio for production; empty → the development prompt in promptsDir. */
  file: string;
}

export interface IvrConfig {
  flow: IvrFlow;
  emergency: EmergencyRoutes;
  progressQueryDeadlineMs: number;
  prompts: Map<string, Prompt>;
}

/** Reads and validates the IVR file; every error names the file and the key. */
export function loadIvrConfig(file: string): IvrConfig {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`IVR file ${file}: ${(err as Error).message}`);
  }
  const r = ivrSchema.safeParse(doc);
  if (!r.success) {
    throw new ConfigError(`invalid IVR file ${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
  }
  return buildIvrConfig(r.data, file);
}

export function buildIvrConfig(c: IvrConfigFile, file = 'ivr'): IvrConfig {
  const problems: string[] = [];
  for (const [id, p] of Object.entries(c.prompts)) {
    if (!p.text && !p.music && !p.file) problems.push(`prompts.${id}: needs text, music: true, or a file`);
  }
  for (const role of PROMPT_ROLES) if (!c.prompts[role]) problems.push(`prompts.${role}: missing (the flow plays it)`);
  for (const [code, id] of Object.entries(c.statusPrompts)) if (!c.prompts[id]) problems.push(`statusPrompts.${code}: no prompt ${id}`);
  if (!c.prompts[c.statusUnknownPrompt]) problems.push(`statusUnknownPrompt: no prompt ${c.statusUnknownPrompt}`);
  // Emergency first: the welcome and the restriction notice tell the caller this key.
  if (!Object.values(c.keys).includes('emergency')) problems.push('keys: one key must be the emergency key');
  const actions = Object.values(c.keys);
  for (const a of new Set(actions)) if (actions.filter((x) => x === a).length > 1) problems.push(`keys: ${a} is on more than one key`);
  if (c.progress.minDigits > c.progress.maxDigits) problems.push('progress.minDigits: must not be greater than progress.maxDigits');
  const { general, enterprise, counselling } = c.queues;
  if (!/^[\w-]+$/.test(general + enterprise + counselling)) problems.push('queues: names are letters, digits, - and _');
  if (problems.length) throw new ConfigError(`invalid IVR file ${file}: ${problems.join('; ')}`);

  const media = Object.fromEntries(PROMPT_ROLES.map((r) => [r, r])) as Record<PromptRole, string>;
  return {
    flow: {
      keys: c.keys,
      media,
      statusMedia: c.statusPrompts,
      statusUnknownMedia: c.statusUnknownPrompt,
      queues: c.queues,
      emergency: { select: c.emergency.select, selectTimeoutMs: c.emergency.selectTimeoutMs, defaultLine: c.emergency.defaultLine },
      progress: {
        minDigits: c.progress.minDigits,
        maxDigits: c.progress.maxDigits,
        timeoutMs: c.progress.timeoutMs,
        interDigitTimeoutMs: c.progress.interDigitTimeoutMs,
      },
    },
    emergency: { trunk: c.emergency.trunk, numbers: c.emergency.numbers },
    progressQueryDeadlineMs: c.progress.queryDeadlineMs,
    prompts: new Map([
      // Position and estimated-wait announcements (src/core/acd/announcement.ts); the file may
      // override any of them with its own text or a recorded file under the same id.
      ...Object.entries(announcementPromptTexts(callbackKey(c.keys))).map(([id, text]): [string, Prompt] => [id, { id, text, music: false, file: '' }]),
      ...Object.entries(c.prompts).map(([id, p]): [string, Prompt] => [id, { id, ...(p.text ? { text: p.text } : {}), music: !!p.music, file: p.file }]),
    ]),
  };
}

function callbackKey(keys: Record<string, string>): string {
  return Object.entries(keys).find(([, action]) => action === 'callback')?.[0] ?? '4';
}

/**
 * Prompt id → the file the switch plays: the recorded file if configured, else the development
 * prompt. Absolute, because FreeSWITCH resolves a relative path against its own sound directory.
 */
export function promptFile(ivr: IvrConfig, promptsDir: string, id: string): string {
  const p = ivr.prompts.get(id);
  return resolve(p?.file ? p.file : `${promptsDir}/${id}.wav`);
}
