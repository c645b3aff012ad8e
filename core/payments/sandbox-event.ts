import { z } from "zod";
import { currencySchema, MAX_MINOR } from "../shared/index.ts";

/** What the sandbox provider POSTs to /webhooks/sandbox. */
export const sandboxEventSchema = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_-]{1,100}$/, { message: "must look like evt_…" }),
  type: z.enum(["payment.succeeded", "payment.failed"]),
  payment_id: z.string().min(1).max(100),
  amount: z
    .number()
    .int()
    .positive()
    .refine((n) => Number.isSafeInteger(n) && BigInt(n) < MAX_MINOR, { message: "amount out of range" }),
  currency: currencySchema,
  created: z.number().int().nonnegative(),
});

export type SandboxEvent = z.infer<typeof sandboxEventSchema>;
