import type { LimitVerdict } from '../ports/abuse-limits.js';

// What a citizen refused by the abuse limits of art. 34 of seeds/002 reads: polite, with when to
// come back, and always the emergency numbers (emergencies are never limited).

const EMERGENCY_HINT = '如遇紧急情况，请直接拨打110、119、120、122。';

/** yyyy-mm-dd hh:mm in Beijing time (UTC+8, no daylight saving). */
function beijing(iso: string): string {
  const t = new Date(Date.parse(iso) + 8 * 3_600_000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 16)}`;
}

export function limitMessage(verdict: Exclude<LimitVerdict, { allowed: true }>): string {
  if (verdict.why === 'restricted') {
    return `您好，根据12345热线管理规定，您提交诉求的功能暂时受到限制，限制将于北京时间 ${beijing(verdict.restriction.until)} 自动解除。如有疑问，可在解除后来电说明。${EMERGENCY_HINT}`;
  }
  const minutes = Math.max(1, Math.ceil(verdict.retryAfterSeconds / 60));
  return `您好，您在短时间内提交的诉求较多，请约 ${minutes} 分钟后再提交。您此前提交的诉求我们已收到并会及时办理。${EMERGENCY_HINT}`;
}
