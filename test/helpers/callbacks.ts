import type { RunningGateway } from '../../src/app/gateway.js';
import type { DeskNotice } from '../../src/core/ports/desk.js';

/**
 * A time zone in which it is around midday now, so a test's calling window (00:00–23:59 there)
 * is open for hours whenever the test runs (Etc/GMT-8 is UTC+8).
 */
export function allDayZone(now = Date.now()): string {
  const k = 12 - new Date(now).getUTCHours(); // local hour ≈ 12
  return k === 0 ? 'Etc/GMT' : k > 0 ? `Etc/GMT-${k}` : `Etc/GMT+${-k}`;
}

export interface Robot {
  agentId: string;
  /** Calls this agent answered, in order (callback attempts included). */
  answered: string[];
  notices: DeskNotice[];
  stop(): void;
}

/** An agent logged in to the in-process desk who answers every offer and hangs up after talkMs. */
export async function robotAgent(gw: RunningGateway, agentId: string, talkMs: number, skills: Record<string, number> = { general: 1 }): Promise<Robot> {
  const robot: Robot = { agentId, answered: [], notices: [], stop: () => off() };
  const off = gw.desk.subscribe(agentId, (n) => {
    robot.notices.push(n);
    if (n.type !== 'offer') return;
    void gw.desk.command(agentId, { type: 'call.answer', callId: n.callId }).then((r) => {
      if (!r.ok) return;
      robot.answered.push(n.callId);
      setTimeout(() => void gw.desk.command(agentId, { type: 'call.hangup', callId: n.callId }), talkMs).unref();
    });
  });
  await gw.desk.login({ agentId, name: `坐席${agentId}`, skills, endpoint: { kind: 'user', user: agentId } });
  return robot;
}
