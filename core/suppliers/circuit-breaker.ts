import type { Clock, SqlExecutor } from "../shared/index.ts";
import { closeCircuitSql, countFailureSql } from "./suppliers.sql.ts";

/**
 * A circuit breaker whose state lives in the `suppliers` row (`consecutive_failures`,
 * `circuit_open_until`), so every server and worker process sees the same state and a restart does not
 * forget it. (An in-process library breaker such as opossum or cockatiel keeps state per process: with N
 * workers a dead supplier would get N× the failures before every process noticed.)
 *
 * Closed → `failureThreshold` consecutive failures → open for `cooldownMs` → half-open once the time has
 * passed (routing offers the supplier again) → the next success closes it, the next failure re-opens it
 * for another cooldown. Each update is one atomic SQL statement, so concurrent reports never lose a count.
 * Half-open is not limited to a single probe across processes: during the first moments after the
 * cooldown a few orders may probe at once; each failed probe only re-opens the circuit.
 */
export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, cooldownMs: 30_000 };

export type CircuitState = "closed" | "open" | "half_open";

export function circuitState(
  row: { consecutiveFailures: number; circuitOpenUntil: Date | null },
  now: Date,
  opts: BreakerOptions,
): CircuitState {
  if (row.circuitOpenUntil && row.circuitOpenUntil.getTime() > now.getTime()) return "open";
  if (row.circuitOpenUntil || row.consecutiveFailures >= opts.failureThreshold) return "half_open";
  return "closed";
}

export class DbCircuitBreaker {
  constructor(
    private readonly clock: Clock,
    private readonly opts: BreakerOptions,
  ) {}

  /**
   * Closes the circuit. `seen`: the supplier's row as read just before the call; when it was already
   * clean no statement is sent (a failure recorded meanwhile by another process then stands).
   */
  async recordSuccess(
    db: SqlExecutor,
    supplierId: string,
    seen?: { consecutiveFailures: number; circuitOpenUntil: Date | null },
  ): Promise<void> {
    if (seen && seen.consecutiveFailures === 0 && seen.circuitOpenUntil === null) return;
    await db.execute(closeCircuitSql(supplierId));
  }

  /** Counts a failure; opens (or re-opens, when half-open) the circuit at the threshold. */
  async recordFailure(db: SqlExecutor, supplierId: string): Promise<void> {
    const openUntil = new Date(this.clock.now().getTime() + this.opts.cooldownMs);
    await db.execute(countFailureSql(supplierId, this.opts.failureThreshold, openUntil));
  }

  state(row: { consecutiveFailures: number; circuitOpenUntil: Date | null }): CircuitState {
    return circuitState(row, this.clock.now(), this.opts);
  }
}
