import { z } from "zod";
import { RULE_MODES } from "./price-chain.ts";

/** Input schemas of core/distribution: bad input is refused with a clear message and changes nothing. */

const uuid = (what: string) =>
  z
    .string()
    .uuid({ message: `must be ${what} id` })
    .transform((s) => s.toLowerCase());
const minor = z.coerce
  .bigint({ message: "must be a whole number of minor units" })
  .refine((v) => v >= 0n && v < 10n ** 15n, { message: "must be between 0 and 10^15 minor units" });
const bps = z.number().int().min(0, { message: "must be 0–10000 bps" }).max(10_000, { message: "must be 0–10000 bps" });
const tierId = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, { message: "must be a tier id such as gold" });

export const userIdSchema = uuid("a user");
export const tierIdSchema = tierId;

export const addDistributorSchema = z.object({
  userId: uuid("a user"),
  tierId: tierId.optional(),
  parentId: uuid("a distributor").optional(),
});

export const setTierSchema = z.object({ userId: uuid("a user"), tierId, pin: z.boolean().optional() });
export const pinSchema = z.object({ userId: uuid("a user"), pinned: z.boolean() });
export const recruitSchema = z.object({ l1: uuid("a distributor"), userId: uuid("a user") });
export const decideSchema = z.object({
  userId: uuid("a user"),
  approve: z.boolean(),
  note: z.string().trim().max(500).optional(),
});

export const updateTierSchema = z.object({
  id: tierId,
  nameZh: z.string().trim().min(1).max(40).optional(),
  nameEn: z.string().trim().min(1).max(40).optional(),
  discountBps: bps.optional(),
  maxLevels: z
    .number()
    .int()
    .min(0, { message: "must be 0, 1 or 2" })
    .max(2, { message: "must be 0, 1 or 2" })
    .optional(),
  upgradeAt: minor.optional(),
  withdrawMin: minor.optional(),
  withdrawFeeBps: bps.optional(),
  withdrawDailyLimit: minor.optional(),
});

export const tierPriceSchema = z.object({ tierId, productId: uuid("a product"), price: minor.nullable() });

export const createShopSchema = z.object({
  ownerId: uuid("a distributor"),
  name: z.string().trim().min(1, { message: "a shop needs a name" }).max(60, { message: "at most 60 characters" }),
});

const target = z.union([
  z.literal("all"),
  z.string().regex(/^(product|category):[0-9a-fA-F-]{36}$/, {
    message: "must be all, product:<product id> or category:<category id>",
  }),
]);

export const setRuleSchema = z
  .object({
    scope: z.enum(["SHOP", "TEAM"]),
    /** The shop (SHOP) or the L1 (TEAM). */
    ownerId: uuid("a shop or distributor"),
    target: target.transform((t) => t.toLowerCase()),
    mode: z.enum(RULE_MODES),
    value: minor.default(0n),
  })
  .refine((r) => r.mode !== "MARKUP_PCT" || r.value <= 100_000n, {
    message: "a markup is at most 1000% (100000 bps)",
    path: ["value"],
  });

export type SetRuleInput = z.input<typeof setRuleSchema>;
export type UpdateTierInput = z.input<typeof updateTierSchema>;
