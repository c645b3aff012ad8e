import { z } from "zod";
import { currencySchema, MAX_MINOR } from "../shared/index.ts";
import { CARRIERS } from "./catalog.types.ts";
import { checkTargetPattern } from "./target-pattern.ts";

/** Hard cap on any per-order quantity, whatever a product's own limit says. */
export const MAX_ORDER_QUANTITY = 1000;

const name = z.string().trim().min(1).max(120);
const money = z.bigint().refine((v) => v >= 0n && v < MAX_MINOR, { message: `must be in [0, ${MAX_MINOR})` });

export const categoryInputSchema = z.object({
  id: z.uuid().optional(),
  slug: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and dashes"),
  nameZh: name,
  nameEn: name,
  sortOrder: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  active: z.boolean().default(true),
});

export const productInputSchema = z
  .object({
    id: z.uuid().optional(),
    sku: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, dot, dash, underscore"),
    categoryId: z.uuid(),
    nameZh: name,
    nameEn: name,
    faceValue: money,
    currency: currencySchema,
    price: money,
    deliveryKind: z.enum(["CODE", "DIRECT"]),
    targetKind: z.enum(["MOBILE", "GAME_ACCOUNT"]).nullable().default(null),
    targetPattern: z.string().nullable().default(null),
    carrier: z
      .enum(CARRIERS as [string, ...string[]])
      .nullable()
      .default(null),
    minQty: z.number().int().min(1).max(MAX_ORDER_QUANTITY).default(1),
    maxQty: z.number().int().min(1).max(MAX_ORDER_QUANTITY).default(10),
    active: z.boolean().default(true),
    acceptBackorders: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (p.maxQty < p.minQty) issue("maxQty", "must be at least minQty");
    if (p.deliveryKind === "DIRECT" && !p.targetKind) issue("targetKind", "a DIRECT product needs a target kind");
    if (p.deliveryKind === "CODE" && p.targetKind) issue("targetKind", "a CODE product has no target");
    if (p.acceptBackorders && p.deliveryKind !== "CODE")
      issue("acceptBackorders", "only CODE products take backorders (they wait for codes)");
    if (p.carrier && p.targetKind !== "MOBILE") issue("carrier", "only MOBILE products have a carrier");
    if (p.targetPattern !== null) {
      if (p.targetKind !== "GAME_ACCOUNT") issue("targetPattern", "only GAME_ACCOUNT products have a pattern");
      else {
        const check = checkTargetPattern(p.targetPattern);
        if (!check.ok) issue("targetPattern", check.reason);
      }
    }
  });

export type ParsedProductInput = z.output<typeof productInputSchema>;
