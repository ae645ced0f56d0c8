// A person of the centre as the gateway keeps them (issue 5). Pure: validation and the agent
// profile the desk needs; hashing and storage are elsewhere (src/services/auth, the UserStore port).

import type { AgentSkills } from '../acd/model.js';
import type { AgentProfile } from '../ports/desk.js';
import type { Endpoint } from '../ports/switch.js';
import { ROLES, type Role } from './roles.js';

/** The agent desk part of a user with the agent role. */
export interface AgentDesk {
  skills: AgentSkills;
  /** The agent's phone: a FreeSWITCH user, a SIP URI, or a number through a gateway. */
  endpoint: Endpoint;
}

export interface User {
  /** Login name and stable id (the agent id in the ACD, call records and the audit log); never renamed. */
  username: string;
  displayName: string;
  roles: Role[];
  disabled: boolean;
  /** Set for the bootstrap administrator and after an administrator's reset: only a password change is allowed. */
  mustChangePassword: boolean;
  /** Raised on every password change, reset, disabling and role change: tokens issued before stop working. */
  tokenVersion: number;
  agent?: AgentDesk;
  createdAt: string;
  updatedAt: string;
}

/** The authenticated person behind a request or a ws connection. */
export interface Principal {
  username: string;
  displayName: string;
  roles: Role[];
  mustChangePassword: boolean;
  tokenVersion: number;
  /** When the token presented expires (ms since epoch). */
  expiresAtMs: number;
}

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,31}$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;
export const SKILL = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export interface FieldProblem {
  field: string;
  message: string;
}

export function passwordProblem(
  password: string,
  username: string,
  field = 'password',
): FieldProblem | undefined {
  if (password.length < PASSWORD_MIN) return { field, message: `密码至少需要 ${PASSWORD_MIN} 个字符` };
  if (password.length > PASSWORD_MAX) return { field, message: `密码不能超过 ${PASSWORD_MAX} 个字符` };
  if (password.toLowerCase().includes(username.toLowerCase()))
    return { field, message: '密码不能包含用户名' };
  // Two kinds of characters at least (letters, digits, others): rules out "1111111111".
  const kinds = [/[A-Za-z]/, /\d/, /[^A-Za-z\d]/].filter((r) => r.test(password)).length;
  if (kinds < 2) return { field, message: '密码须包含字母、数字、符号中的至少两类' };
  return undefined;
}

/** Consistency of a user as a whole (the HTTP schema has checked each field's shape). */
export function userProblem(
  user: Pick<User, 'username' | 'roles' | 'agent' | 'displayName'>,
): FieldProblem | undefined {
  if (!USERNAME.test(user.username))
    return { field: 'username', message: '用户名须为 2–32 位小写字母、数字或 . _ -，以字母或数字开头' };
  if (!user.displayName.trim()) return { field: 'displayName', message: '字段 displayName 不能为空' };
  if (user.roles.length === 0) return { field: 'roles', message: '至少需要一个角色' };
  if (user.roles.some((r) => !ROLES.includes(r))) return { field: 'roles', message: '角色不在允许范围内' };
  if (new Set(user.roles).size !== user.roles.length) return { field: 'roles', message: '角色重复' };
  if (user.roles.includes('agent') && !user.agent)
    return { field: 'agent', message: '坐席用户须提供坐席资料（技能和话机）' };
  if (user.agent) {
    const skills = Object.entries(user.agent.skills);
    if (user.roles.includes('agent') && skills.length === 0)
      return { field: 'agent.skills', message: '坐席至少需要一项技能' };
    for (const [skill, level] of skills) {
      if (!SKILL.test(skill))
        return { field: `agent.skills.${skill}`, message: '技能名须为小写字母、数字、_ 或 -' };
      if (!Number.isInteger(level) || level < 1 || level > 9)
        return { field: `agent.skills.${skill}`, message: '技能等级须为 1–9 的整数（1 为最强）' };
    }
  }
  return undefined;
}

/** The profile the desk logs an agent in with; undefined for users who are not agents. */
export function agentProfile(user: User): AgentProfile | undefined {
  if (!user.roles.includes('agent') || !user.agent) return undefined;
  return {
    agentId: user.username,
    name: user.displayName,
    skills: { ...user.agent.skills },
    endpoint: user.agent.endpoint,
  };
}
