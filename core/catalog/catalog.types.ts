import type { CoreContext, Currency, SqlExecutor } from "../shared/index.ts";

export type Carrier = "CMCC" | "CUCC" | "CTCC" | "CBN";
export const CARRIERS: readonly Carrier[] = ["CMCC", "CUCC", "CTCC", "CBN"];

export type DeliveryKind = "CODE" | "DIRECT";
export type TargetKind = "MOBILE" | "GAME_ACCOUNT";

export interface Category {
  id: string;
  slug: string;
  nameZh: string;
  nameEn: string;
  sortOrder: number;
  active: boolean;
}

export interface Product {
  id: string;
  sku: string;
  categoryId: string;
  nameZh: string;
  nameEn: string;
  faceValue: bigint;
  currency: Currency;
  /** Retail price per unit, minor units. */
  price: bigint;
  deliveryKind: DeliveryKind;
  /** Set exactly for DIRECT products: what the supplier credits. */
  targetKind: TargetKind | null;
  /** GAME_ACCOUNT only: the account-id regex, matched against the whole target. */
  targetPattern: string | null;
  /** MOBILE only: numbers of other carriers are refused. */
  carrier: Carrier | null;
  minQty: number;
  maxQty: number;
  active: boolean;
  /** 补单: a CODE product that takes paid orders while out of stock (they wait in AWAITING_STOCK). */
  acceptBackorders: boolean;
  /** Bumped whenever what a buy button buys changes (price, limits, active, target rules). */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CategoryInput {
  /** Updates this category when given; otherwise the slug is the key. */
  id?: string;
  slug: string;
  nameZh: string;
  nameEn: string;
  sortOrder?: number;
  active?: boolean;
}

export interface ProductInput {
  /** Updates this product when given; otherwise the SKU is the key. */
  id?: string;
  sku: string;
  categoryId: string;
  nameZh: string;
  nameEn: string;
  faceValue: bigint;
  currency: Currency;
  price: bigint;
  deliveryKind: DeliveryKind;
  targetKind?: TargetKind | null;
  targetPattern?: string | null;
  carrier?: Carrier | null;
  minQty?: number;
  maxQty?: number;
  active?: boolean;
  acceptBackorders?: boolean;
}

export type ProductPatch = Partial<Omit<ProductInput, "id">>;

export type MobileParseResult =
  | {
      ok: true;
      number: string;
      carrier: Carrier;
      /** an MVNO segment, served by `carrier`'s network */ virtual: boolean;
    }
  | {
      ok: false;
      reason: "empty" | "invalid_characters" | "wrong_length" | "bad_prefix" | "unknown_segment";
    };

export type TargetResult =
  | { ok: true; target: string | null; carrier?: Carrier }
  | { ok: false; code: "target_required" }
  | { ok: false; code: "invalid_mobile"; reason: Extract<MobileParseResult, { ok: false }>["reason"] }
  | { ok: false; code: "wrong_carrier"; expected: Carrier; got: Carrier }
  | { ok: false; code: "invalid_account"; expected: string };

export type QuoteResult =
  | {
      ok: true;
      productId: string;
      quantity: number;
      unitPrice: bigint;
      total: bigint;
      currency: Currency;
      productVersion: number;
      /** Which price rule set the unit price ("retail" when none applied). */
      priceSource: string;
    }
  | { ok: false; code: "product_unavailable" }
  | { ok: false; code: "quantity_out_of_range"; min: number; max: number };

/**
 * A pluggable pricing step (tier discount, group-shop markup, promotion). Rules run in order on the
 * unit price; returning `undefined` leaves it unchanged. The default list is empty: retail price.
 */
export interface PriceRule {
  name: string;
  apply(
    ctx: CoreContext,
    input: { product: Product; quantity: number; userId?: string; unitPrice: bigint },
    /** The caller's transaction on the runner, when it has one. */
    opts: { tx?: SqlExecutor },
  ): Promise<bigint | undefined> | bigint | undefined;
}
