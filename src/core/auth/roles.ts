// People of the centre and what each may do (issue 5). Pure: the HTTP API and the ws desk check
// these through src/adapters/http/authn.ts and src/adapters/ws; nothing else decides access.
//
// Separation of duties follows the usual 三员分立 of Chinese information-security practice: the
// administrator manages accounts but cannot read the audit log or listen to recordings; the
// auditor reads the audit log (which also records the administrator's actions) but changes
// nothing. Every access to a recording is audited (art. 25 of seeds/002; DESIGN.md "Privacy").

export const ROLES = ['agent', 'supervisor', 'quality', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What people see (Simplified Chinese). */
export const ROLE_TEXT: Record<Role, string> = {
  agent: '坐席',
  supervisor: '班长',
  quality: '质检员',
  auditor: '审计员',
  admin: '管理员',
};

/** Each permission and the roles that hold it (any one of them suffices). */
export const PERMISSIONS = {
  /** Sign in to the agent desktop and handle calls. */
  'desk.use': ['agent'],
  /** Watch live figures, alarms and agent states (art. 13, 29 of seeds/002). */
  'desk.supervise': ['supervisor'],
  /** Log an agent out of the desk. Audited. */
  'desk.force-logout': ['supervisor'],
  /** Set and lift a citizen's restriction (art. 34 of seeds/002). Audited. */
  'restrictions.manage': ['supervisor'],
  /** See current restrictions. Audited (they name citizens). */
  'restrictions.read': ['supervisor', 'auditor'],
  /** Recording metadata and audio (art. 17, 25). Every access audited. */
  'recordings.read': ['quality', 'supervisor', 'auditor'],
  /**
   * The callback queue (art. 13 of seeds/002: missed calls called back at idle times): list, one
   * record, counts. Audited (the list shows citizens' numbers). Not the administrator (三员分立: no
   * citizens' data), as with recordings.
   */
  'callbacks.read': ['supervisor', 'quality', 'auditor'],
  /** Cancel or reschedule a callback. Audited. */
  'callbacks.manage': ['supervisor'],
  /** Read and export the audit log. Audited itself. */
  'audit.read': ['auditor'],
  /** Create, change, disable users and reset passwords. Audited. */
  'users.manage': ['admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_TEXT: Record<Permission, string> = {
  'desk.use': '签入坐席、接听和处理来电',
  'desk.supervise': '查看实时指标、告警和坐席状态',
  'desk.force-logout': '强制坐席签出',
  'restrictions.manage': '设置和解除诉求人限制（第三十四条）',
  'restrictions.read': '查看诉求人限制',
  'recordings.read': '查看和收听通话录音',
  'callbacks.read': '查看回拨队列',
  'callbacks.manage': '取消或改期回拨',
  'audit.read': '查看和导出审计日志',
  'users.manage': '管理用户账号和重置密码',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function allows(roles: readonly Role[], permission: Permission): boolean {
  const holders: readonly Role[] = PERMISSIONS[permission];
  return roles.some((r) => holders.includes(r));
}

/** The refusal a person sees: which role would have allowed it, e.g. "需要以下角色之一：班长、审计员". */
export function missingRoleMessage(permission: Permission): string {
  const holders: readonly Role[] = PERMISSIONS[permission];
  const names = holders.map((r) => `${ROLE_TEXT[r]}（${r}）`).join('、');
  return holders.length === 1
    ? `无权执行此操作：需要${names}角色`
    : `无权执行此操作：需要以下角色之一：${names}`;
}
