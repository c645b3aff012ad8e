/**
 * Every way placing an order can be refused: a closed union. The shop bot (`bots/shop/buy.ts`,
 * `placeRefused`) and the distributor API (`channels/api/place-order-failures.ts`) each handle it with an
 * exhaustive switch ending in `assertExhaustive`, so a new code here fails to compile until both answer
 * it (test/core/flows/place-order-failures.types.test.ts adds one and checks that).
 */
export type PlaceOrderFailure =
  | { ok: false; code: "out_of_stock"; available: number }
  | { ok: false; code: "insufficient_funds" }
  | { ok: false; code: "product_unavailable" }
  | { ok: false; code: "quantity_out_of_range"; min: number; max: number }
  | { ok: false; code: "target_required" }
  | { ok: false; code: "invalid_mobile"; reason: string }
  | { ok: false; code: "wrong_carrier"; expected: string; got: string }
  | { ok: false; code: "invalid_account"; expected: string }
  /** A decider of the placement pipeline refused it; `reference` lets support find the decision. */
  | { ok: false; code: "order_blocked"; reference: string }
  /** The buyer must verify their real name (KYC) before this order; `reference` names the decision. */
  | { ok: false; code: "kyc_required"; reference: string };

export type PlaceOrderFailureCode = PlaceOrderFailure["code"];
