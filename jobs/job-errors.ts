/** Thrown by a handler when retrying cannot help: the job fails at once and `onExhausted` runs. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentJobError";
  }
}

/** The worker found a payload its catalog schema rejects (e.g. enqueued by an older release). Never retried. */
export class InvalidJobPayloadError extends PermanentJobError {
  constructor(
    readonly job: string,
    readonly issues: unknown,
  ) {
    super(`invalid payload for job "${job}"`);
    this.name = "InvalidJobPayloadError";
  }
}

export class JobTimeoutError extends Error {
  constructor(
    readonly job: string,
    readonly timeoutMs: number,
  ) {
    super(`job "${job}" timed out after ${timeoutMs} ms`);
    this.name = "JobTimeoutError";
  }
}
