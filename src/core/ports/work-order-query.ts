// Queries the gateway makes of the work-order core (hotline.query.v1.CoreQuery).

export type WorkOrderProgress =
  | { found: true; workOrderId: string; status: string; statusText: string; updatedTime?: string }
  | { found: false };

export interface WorkOrderQuery {
  /** Rejects when the core cannot be asked (unreachable, deadline): the IVR says so and moves on. */
  progress(workOrderId: string, caller?: string): Promise<WorkOrderProgress>;
}
