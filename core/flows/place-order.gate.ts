/**
 * At most `limit` placements of one stock product are priced, decided and committed at once in this
 * process; the others wait their turn, in order of arrival. Without it, a burst of buyers that all arrive
 * before the first claim answers (1,000 buyers of 50 codes) all pass the sold-out hint, and each one
 * prices (a chain read), decides and opens a transaction whose claim then finds nothing. With it, the
 * buyers still waiting when a claim runs short find the hint set as their turn comes, and are refused
 * without any of that. A claim still decides every sale: the gate only orders the placements, it never
 * refuses one. A placement runs in one database transaction, so a limit near the connection pool's size
 * costs a hot product no throughput: the ones waiting here would wait for a connection anyway.
 */
export class ProductGates {
  private readonly gates = new Map<string, { active: number; waiting: Array<() => void> }>();

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new Error("a product gate admits at least one placement");
  }

  /** Waits for a turn at `productId`'s gate; the returned function ends it (call it exactly once). */
  async enter(productId: string): Promise<() => void> {
    let gate = this.gates.get(productId);
    if (!gate) {
      gate = { active: 0, waiting: [] };
      this.gates.set(productId, gate);
    }
    if (gate.active < this.limit) gate.active++;
    // The turn is handed over by `leave` (active stays counted for the waiter it wakes).
    else await new Promise<void>((resolve) => gate.waiting.push(resolve));
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.leave(productId, gate);
    };
  }

  /** Placements at the product's gate now: in their turn, and waiting for one. */
  load(productId: string): { active: number; waiting: number } {
    const gate = this.gates.get(productId);
    return { active: gate?.active ?? 0, waiting: gate?.waiting.length ?? 0 };
  }

  private leave(productId: string, gate: { active: number; waiting: Array<() => void> }): void {
    const next = gate.waiting.shift();
    if (next) return next();
    gate.active--;
    if (gate.active === 0 && this.gates.get(productId) === gate) this.gates.delete(productId);
  }
}
