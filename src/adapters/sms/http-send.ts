import type { SmsSendResult } from '../../core/ports/sms-provider.js';

/** One HTTP call to a provider's send API with a deadline; network failures and 5xx are retryable. */
export async function postToProvider(
  url: string,
  init: { headers: Record<string, string>; body: string },
  timeoutMs: number,
  interpret: (status: number, body: unknown) => SmsSendResult,
): Promise<SmsSendResult> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return { ok: false, retryable: true, error: `provider unreachable: ${(err as Error).message}` };
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.status >= 500 || res.status === 429) return { ok: false, retryable: true, error: `provider answered HTTP ${res.status}` };
  return interpret(res.status, body);
}

/** Provider local time "2017-09-01 00:00:00" or "20170901000000" (China, UTC+8) → RFC 3339. */
export function chinaLocalTimeToIso(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})[ T]?(\d{2}):?(\d{2}):?(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
