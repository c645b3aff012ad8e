import { randomUUID } from "node:crypto";
import type { RiskSubject } from "../core/risk/index.ts";
import { userId } from "./seed/ids.ts";

/** One order decision by a random one of `users` seeded buyers, for ¥10.00 to `target` (the bench's risk events). */
export function randomRiskOrder(users: number, target: string | null): RiskSubject {
  return {
    subject: "order",
    eventId: randomUUID(),
    userId: userId(1 + Math.floor(Math.random() * users)),
    channel: "http",
    amount: 1_000n,
    currency: "CNY",
    target,
  };
}
