// Queries the gateway makes of the work-order core (hotline.query.v1.CoreQuery).

export type WorkOrderProgress =
  | { found: true; workOrderId: string; status: string; statusText: string; updatedTime?: string }
  | { found: false };

export interface WorkOrderQuery {
  /** Rejects when the core cannot be asked (unreachable, deadline): the IVR says so and moves on. */
  progress(workOrderId: string, caller?: string): Promise<WorkOrderProgress>;
}

/** The caller's history for the agent's screen pop (hotline.query.v1.CoreQuery.GetCallerHistory). */
export interface CallerHistory {
  recentIntakes: { intakeId: string; receivedTime: string; channel: string; summary: string }[];
  openWorkOrders: { workOrderId: string; status: string; statusText: string; summary?: string }[];
}

export interface CallerHistoryQuery {
  /** Rejects when the core cannot be asked in `deadlineMs`: the offer goes ahead without it. */
  callerHistory(caller: string, maxIntakes: number, deadlineMs: number): Promise<CallerHistory>;
}
