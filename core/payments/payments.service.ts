import {
  conflict,
  currencySchema,
  inSqlTx,
  invalidData,
  MAX_MINOR,
  newId,
  PG_UNIQUE_VIOLATION,
  sqlState,
  type Clock,
  type CoreContext,
  type Currency,
  type SqlRunner,
} from "../shared/index.ts";
import { recordEvents } from "../events/index.ts";
import { isUuid, readPayment } from "./payment-rows.ts";
import {
  insertPaymentSql,
  markFailedSql,
  markRefundedSql,
  markSucceededSql,
  paymentIdByKeySql,
  custodyInflowsSql,
  starsChargeForOrderSql,
} from "./payments.sql.ts";
import type {
  ConfirmResult,
  CustodyInflow,
  FailResult,
  Payments,
  PaymentsLedger,
  ProviderRefundResult,
  StarsCharge,
} from "./payments.types.ts";
import { createSandboxWebhook } from "./sandbox-webhook.ts";
import { parseStarsRate, starsPrice, type StarsRates } from "./stars-price.ts";

export interface PaymentsDeps {
  sql: SqlRunner;
  clock: Clock;
  ledger: PaymentsLedger;
  sandbox: { secret: string; publicUrl: string };
  /** Stars per major unit for orders priced in other currencies (config `STARS_PER_CNY`); none: Stars pay XTR prices only. */
  starsRates?: StarsRates;
  /**
   * Asked before a top-up's checkout starts (risk, docs/risk.md): throws a DomainError to refuse it
   * (nothing is created). Unset: every top-up may start.
   */
  topUpCheck?(
    ctx: CoreContext,
    input: { userId: string; amount: bigint; currency: string; idempotencyKey: string },
  ): Promise<void>;
}

const PROVIDERS: readonly string[] = ["sandbox", "wallet", "telegram_stars"];

function assertAmount(amount: unknown): asserts amount is bigint {
  if (typeof amount !== "bigint" || amount <= 0n || amount >= MAX_MINOR)
    throw invalidData("invalid_amount", `the amount must be a positive bigint below ${MAX_MINOR} minor units`);
}

function assertCurrency(currency: unknown): asserts currency is Currency {
  if (!currencySchema.safeParse(currency).success) throw invalidData("invalid_currency", "unknown currency");
}

export function createPayments({ sql, clock, ledger, sandbox, starsRates = {}, topUpCheck }: PaymentsDeps): Payments {
  if (sandbox.secret.length < 16) throw new Error("the sandbox webhook secret must be at least 16 characters");
  for (const rate of Object.values(starsRates)) parseStarsRate(rate);
  const publicUrl = sandbox.publicUrl.replace(/\/+$/, "");

  const payments: Payments = {
    async createPayment(_ctx, input, opts) {
      if (!isUuid(input.userId)) throw invalidData("invalid_user", "userId must be a UUID");
      if (input.orderId !== undefined && !isUuid(input.orderId))
        throw invalidData("invalid_order", "orderId must be a UUID");
      assertAmount(input.amount);
      assertCurrency(input.currency);
      if (!PROVIDERS.includes(input.provider)) throw invalidData("unsupported_provider", "unknown payment provider");
      if (input.purpose !== "topup" && input.purpose !== "order")
        throw invalidData("invalid_purpose", "a payment is for a top-up or an order");
      const credit = input.credit ?? null;
      if (credit) {
        assertAmount(credit.amount);
        assertCurrency(credit.currency);
        parseStarsRate(credit.exchangeRate);
        if (credit.currency === input.currency)
          throw invalidData("invalid_credit", "a payment credits another currency than it charges, or none");
      }
      if (typeof input.idempotencyKey !== "string" || !input.idempotencyKey || input.idempotencyKey.length > 200)
        throw invalidData(
          "invalid_idempotency_key",
          "an idempotency key is a non-empty string of at most 200 characters",
        );
      const key = `${input.purpose}:${input.userId}:${input.idempotencyKey}`;
      const orderId = input.orderId ?? null;
      return inSqlTx(sql, opts, async (tx) => {
        const now = clock.now();
        const inserted = await tx.query<{ id: string }>(
          insertPaymentSql({ id: newId(), ...input, orderId, credit, key, now }),
        );
        const id = inserted[0]?.id ?? (await tx.query<{ id: string }>(paymentIdByKeySql(key)))[0]?.id;
        const payment = id ? await readPayment(tx, id, false) : null;
        if (!payment) throw new Error("payment row vanished");
        if (
          payment.amount !== input.amount ||
          payment.currency !== input.currency ||
          payment.provider !== input.provider ||
          payment.orderId !== orderId ||
          payment.credit?.amount !== credit?.amount ||
          payment.credit?.currency !== credit?.currency ||
          payment.credit?.exchangeRate !== credit?.exchangeRate
        )
          throw conflict("idempotency_conflict", "this idempotency key was already used for a different payment");
        return { payment, replayed: !inserted[0] };
      });
    },

    async startTopUp(ctx, input, opts) {
      if (input.provider !== "sandbox") throw invalidData("unsupported_provider", "top-ups go through the sandbox");
      if (topUpCheck) {
        assertAmount(input.amount);
        assertCurrency(input.currency);
        await topUpCheck(ctx, input);
      }
      const { payment, replayed } = await payments.createPayment(
        ctx,
        {
          provider: "sandbox",
          purpose: "topup",
          userId: input.userId,
          amount: input.amount,
          currency: input.currency,
          idempotencyKey: input.idempotencyKey,
        },
        opts,
      );
      return { payment, checkoutUrl: `${publicUrl}/pay/sandbox/${payment.id}`, replayed };
    },

    getPayment: (_ctx, paymentId, opts) => readPayment(opts?.tx ?? sql, paymentId, false),

    quoteStars: (amount, currency) => starsPrice(amount, currency, starsRates),

    async startStarsPayment(ctx, input, opts) {
      assertAmount(input.amount);
      assertCurrency(input.currency);
      const quote = starsPrice(input.amount, input.currency, starsRates);
      if (!quote) return { ok: false, code: "stars_unavailable" };
      const { payment, replayed } = await payments.createPayment(
        ctx,
        {
          provider: "telegram_stars",
          purpose: "order",
          userId: input.userId,
          orderId: input.orderId,
          amount: quote.stars,
          currency: "XTR",
          ...(input.currency === "XTR"
            ? {}
            : { credit: { amount: input.amount, currency: input.currency, exchangeRate: quote.rate } }),
          idempotencyKey: `stars-invoice:${input.orderId}:${quote.rate}`,
        },
        opts,
      );
      return { ok: true, payment, stars: quote.stars, rate: quote.rate, replayed };
    },

    async confirm(ctx, input, opts): Promise<ConfirmResult> {
      assertAmount(input.amount);
      assertCurrency(input.currency);
      return inSqlTx(sql, opts, async (tx) => {
        const payment = await readPayment(tx, input.paymentId, true);
        if (!payment) return { ok: false, code: "payment_not_found" };
        if (payment.provider !== input.provider) return { ok: false, code: "provider_mismatch", payment };
        // Checked before the status: a mismatched event must never pass as a harmless duplicate.
        if (payment.amount !== input.amount) return { ok: false, code: "amount_mismatch", payment };
        if (payment.currency !== input.currency) return { ok: false, code: "currency_mismatch", payment };
        // A refunded payment was credited once and stays refunded: a late duplicate event must not revive it.
        if (payment.status === "SUCCEEDED" || payment.status === "REFUNDED")
          return { ok: true, payment, credited: false, ledgerTransactionId: payment.ledgerTransactionId! };

        // A failed payment can still succeed later (the customer retried at the provider); never the reverse.
        // A charge in another currency (Stars for a CNY order) credits what it was priced at.
        const credited = payment.credit ?? payment;
        const posted = await ledger.post(
          ctx,
          {
            idempotencyKey: `topup:${payment.id}`,
            kind: "topup",
            memo: `${payment.provider} payment ${payment.id}`,
            metadata: {
              paymentId: payment.id,
              provider: payment.provider,
              externalId: input.externalId,
              ...(payment.credit
                ? {
                    charged: `${payment.amount} ${payment.currency}`,
                    exchangeRate: `${payment.credit.exchangeRate} ${payment.currency}/${payment.credit.currency}`,
                  }
                : {}),
            },
            legs: [
              { account: ledger.systemCode("custody", credited.currency), amount: -credited.amount },
              { account: ledger.walletCode(payment.userId, credited.currency), amount: credited.amount },
            ],
          },
          { tx },
        );
        if (!posted.ok) throw new Error(`crediting payment ${payment.id} ran short on ${posted.account}`);
        const now = clock.now();
        try {
          await tx.execute(markSucceededSql(payment.id, input.externalId, posted.transactionId, now));
        } catch (e) {
          if (sqlState(e) === PG_UNIQUE_VIOLATION)
            throw conflict("external_id_in_use", "this provider charge is already attached to another payment");
          throw e;
        }
        await recordEvents(tx, [
          {
            type: "payment.succeeded",
            payload: {
              paymentId: payment.id,
              userId: payment.userId,
              orderId: payment.orderId,
              purpose: payment.purpose,
              provider: payment.provider,
              amount: payment.amount,
              currency: payment.currency,
            },
          },
        ]);
        const updated = (await readPayment(tx, payment.id, false))!;
        return { ok: true, payment: updated, credited: true, ledgerTransactionId: posted.transactionId };
      });
    },

    async fail(_ctx, input, opts): Promise<FailResult> {
      return inSqlTx(sql, opts, async (tx) => {
        const payment = await readPayment(tx, input.paymentId, true);
        if (!payment || payment.provider !== input.provider) return { ok: false, code: "payment_not_found" };
        if (payment.status !== "PENDING") return { ok: true, payment, changed: false };
        await tx.execute(markFailedSql(payment.id, clock.now()));
        return { ok: true, payment: (await readPayment(tx, payment.id, false))!, changed: true };
      });
    },

    handleSandboxWebhook: (rawBody, headers) => webhook.handle(rawBody, headers),
    simulateSandboxEvent: (ctx, input) => webhook.simulate(ctx, input),

    async payFromWallet(ctx, input, opts) {
      if (!isUuid(input.userId)) throw invalidData("invalid_user", "userId must be a UUID");
      assertAmount(input.amount);
      assertCurrency(input.currency);
      return ledger.post(
        ctx,
        {
          idempotencyKey: input.idempotencyKey,
          kind: input.kind ?? "wallet_payment",
          memo: input.memo,
          metadata: input.metadata,
          legs: [
            { account: ledger.walletCode(input.userId, input.currency), amount: -input.amount },
            { account: input.to, amount: input.amount },
          ],
        },
        opts,
      );
    },

    async findStarsChargeForOrder(_ctx, input, opts): Promise<StarsCharge | null> {
      if (!isUuid(input.orderId)) return null;
      const [row] = await (opts?.tx ?? sql).query<{ id: string }>(starsChargeForOrderSql(input.orderId));
      const payment = row ? await readPayment(opts?.tx ?? sql, row.id, false) : null;
      if (!payment?.externalId || (payment.status !== "SUCCEEDED" && payment.status !== "REFUNDED")) return null;
      return {
        paymentId: payment.id,
        userId: payment.userId,
        externalId: payment.externalId,
        amount: payment.amount,
        currency: payment.currency,
        credit: payment.credit,
        status: payment.status,
      };
    },

    async custodyMovements(_ctx, input): Promise<CustodyInflow[]> {
      const rows = await sql.query<CustodyInflow>(custodyInflowsSql(input.currency, input.from, input.to));
      return rows.map((r) => ({ ...r, amount: BigInt(r.amount) }));
    },

    async recordProviderRefund(ctx, input, opts): Promise<ProviderRefundResult> {
      if (typeof input.idempotencyKey !== "string" || !input.idempotencyKey || input.idempotencyKey.length > 200)
        throw invalidData(
          "invalid_idempotency_key",
          "an idempotency key is a non-empty string of at most 200 characters",
        );
      return inSqlTx(sql, opts, async (tx) => {
        // The row lock makes concurrent refunds of one payment run one at a time: the second sees REFUNDED.
        const payment = await readPayment(tx, input.paymentId, true);
        if (!payment || payment.provider === "wallet") return { ok: false, code: "payment_not_found" };
        if (payment.status === "REFUNDED")
          return { ok: true, payment, refundTransactionId: payment.refundTransactionId!, replayed: true };
        if (payment.status !== "SUCCEEDED") return { ok: false, code: "not_refundable", payment };
        // The reverse of the confirmation's `custody −X, wallet +X` (X: what it credited). The wallet guard
        // refuses it when the payer no longer holds X: their money was spent, so the provider must not hand
        // it back as well.
        const credited = payment.credit ?? payment;
        const posted = await ledger.post(
          ctx,
          {
            idempotencyKey: `provider-refund:${payment.id}`,
            kind: "provider_refund",
            memo: `${payment.provider} refund of payment ${payment.id}`,
            metadata: {
              paymentId: payment.id,
              provider: payment.provider,
              externalId: payment.externalId,
              orderId: payment.orderId,
            },
            legs: [
              { account: ledger.walletCode(payment.userId, credited.currency), amount: -credited.amount },
              { account: ledger.systemCode("custody", credited.currency), amount: credited.amount },
            ],
          },
          { tx },
        );
        if (!posted.ok) return { ok: false, code: "insufficient_funds", payment };
        await tx.execute(markRefundedSql(payment.id, posted.transactionId, clock.now()));
        await recordEvents(tx, [
          {
            type: "payment.refunded",
            payload: {
              paymentId: payment.id,
              userId: payment.userId,
              orderId: payment.orderId,
              provider: payment.provider,
              amount: payment.amount,
              currency: payment.currency,
              requestedBy: input.idempotencyKey,
            },
          },
        ]);
        const updated = (await readPayment(tx, payment.id, false))!;
        return { ok: true, payment: updated, refundTransactionId: posted.transactionId, replayed: posted.replayed };
      });
    },
  };

  const webhook = createSandboxWebhook({ sql, clock, secret: sandbox.secret, payments });
  return payments;
}
