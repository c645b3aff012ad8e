import type { PlaceOrderFailure } from "../../core/flows/index.ts";
import { assertExhaustive } from "../../core/shared/index.ts";
import { API_ERRORS, type ApiErrorCode } from "./error-codes.ts";

export interface FailureAnswer {
  status: (typeof API_ERRORS)[ApiErrorCode]["status"];
  code: ApiErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

const answer = (
  code: PlaceOrderFailure["code"] & ApiErrorCode,
  message: string,
  details?: Record<string, unknown>,
) => ({
  status: API_ERRORS[code].status,
  code,
  message,
  ...(details ? { details } : {}),
});

/** How the API answers each refusal of `POST /orders`: every failure code, or this does not compile. */
export function placeOrderFailureAnswer(f: PlaceOrderFailure): FailureAnswer {
  switch (f.code) {
    case "out_of_stock":
      return answer(f.code, "not enough codes in stock for this quantity", { available: f.available });
    case "insufficient_funds":
      return answer(f.code, "the wallet balance does not cover this order");
    case "product_unavailable":
      return answer(f.code, "no such product, or it is not for sale now");
    case "quantity_out_of_range":
      return answer(f.code, "the quantity is outside this product's limits", { min: f.min, max: f.max });
    case "target_required":
      return answer(f.code, "this product needs a target (phone number or account)");
    case "invalid_mobile":
      return answer(f.code, "the target is not a valid mainland mobile number", { reason: f.reason });
    case "wrong_carrier":
      return answer(f.code, "this product is limited to another carrier", { expected: f.expected, got: f.got });
    case "invalid_account":
      return answer(f.code, "the target is not a valid account id for this product", { expected: f.expected });
    case "order_blocked":
      return answer(f.code, "this order was refused; quote the reference to support", { reference: f.reference });
    case "kyc_required":
      return answer(f.code, "real-name verification (KYC) is required before this order", {
        reference: f.reference,
      });
    default:
      return assertExhaustive(f, "place-order failure");
  }
}
