/**
 * What this process last saw of a product's stock when a claim ran short: a hint that lets a placement
 * refuse at once, before any transaction, while a product is sold out (a burst of buyers after the last
 * code). Never trusted for a sale — a claim still decides every one — and only for `ttlMs`, so stock
 * another process imported is seen soon; this process's own imports and releases forget it at once.
 */
export class StockHints {
  private readonly short = new Map<string, { available: number; at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {}

  /** A claim for the product found only `available` codes. */
  sawShort(productId: string, available: number): void {
    if (this.short.size > 10_000) this.short.clear();
    this.short.set(productId, { available, at: this.now() });
  }

  /** How many codes the product had when a recent claim ran short, if fewer than `quantity`; else null. */
  knownShort(productId: string, quantity: number): { available: number } | null {
    const hit = this.short.get(productId);
    if (!hit) return null;
    if (this.now() - hit.at >= this.ttlMs) {
      this.short.delete(productId);
      return null;
    }
    return hit.available < quantity ? { available: hit.available } : null;
  }

  /** Stock may have come back (an import, a release): forget the product, or every product. */
  restocked(productId?: string): void {
    if (productId === undefined) this.short.clear();
    else this.short.delete(productId);
  }
}
