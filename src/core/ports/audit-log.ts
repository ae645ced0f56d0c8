// Every privileged action and every access to a recording or a citizen's data is audited
// (art. 25 of seeds/002; DESIGN.md "Privacy"). Append-only; exportable.

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export interface AuditLog {
  append(entry: Omit<AuditEntry, 'at'>): Promise<AuditEntry>;
  /** Newest first. */
  list(options?: { limit?: number; target?: string }): Promise<AuditEntry[]>;
}
