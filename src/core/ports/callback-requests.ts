// Busy-time callback (忙时回拨, art. 13 of seeds/002): a caller may ask to be called back. Until
// the callbacks issue places them, a request is a pending record, one per number.

export interface CallbackRequest {
  citizenKey: string;
  number: string;
  callId: string;
  queue?: string;
  requestedAt: string;
}

export interface CallbackRequests {
  /** Stores the request unless the number already has one pending. */
  request(request: CallbackRequest): Promise<'created' | 'existing'>;
  pending(citizenKey: string): Promise<CallbackRequest | undefined>;
  /** Oldest first. */
  list(limit?: number): Promise<CallbackRequest[]>;
}
