import { randomBytes } from "node:crypto";
import { z } from "zod";
import {
  conflict,
  invalidData,
  isNonPublicHost,
  newId,
  notFound,
  signPayload,
  type Clock,
  type SecretBox,
  type SqlRunner,
} from "../shared/index.ts";
import {
  attemptedSql,
  deleteEndpointSql,
  deliveryByEventSql,
  deliverySql,
  endpointSecretSql,
  endpointSql,
  firstPageSql,
  insertDeliverySql,
  lockEndpointSql,
  markFailedSql,
  pageAfterSql,
  resetSql,
  upsertEndpointSql,
} from "./webhooks.sql.ts";
import {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  type WebhookBody,
  type WebhookCodes,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookFetch,
  type Webhooks,
} from "./webhooks.types.ts";

export interface WebhooksDeps {
  sql: SqlRunner;
  clock: Clock;
  /** Encrypts the signing secrets at rest (the code crypto). */
  secrets: SecretBox;
  codes: WebhookCodes;
  /** Plain `http://` callback URLs (development and tests); production takes https only. */
  allowHttp: boolean;
  /**
   * Callback URLs may name loopback/private hosts (development and tests). Without it, such IP literals and
   * `localhost` are refused when the URL is set, and `fetch` must be one that refuses them at connect time.
   */
  privateTargets: boolean;
  /** The POST of a delivery (default: the global fetch — only for `privateTargets`). */
  fetch?: WebhookFetch;
  /** How long one attempt waits for the receiver (a hanging receiver fails the attempt; default 10 s). */
  timeoutMs?: number;
}

const uuid = z.uuid({ message: "must be an id" }).transform((s) => s.toLowerCase());
const MAX_ERROR = 300;

/** A page's last delivery as an opaque cursor: its creation time and id. */
const encodeCursor = (d: WebhookDelivery) => Buffer.from(`${d.createdAt.getTime()}.${d.id}`).toString("base64url");
function decodeCursor(raw: string): { at: Date; id: string } {
  const m = raw.length <= 100 ? /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(Buffer.from(raw, "base64url").toString()) : null;
  if (!m || !uuid.safeParse(m[2]).success)
    throw invalidData("invalid_cursor", "cursor must be a next_cursor this API returned");
  return { at: new Date(Number(m[1])), id: m[2]! };
}

export function createWebhooks(deps: WebhooksDeps): Webhooks {
  const { sql, clock, secrets, codes } = deps;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  if (!deps.privateTargets && !deps.fetch)
    throw new Error("webhooks: without privateTargets, give a fetch that refuses them");
  const post: WebhookFetch = deps.fetch ?? ((url, init) => fetch(url, init));

  function checkUrl(raw: unknown): string {
    const parsed = z.url({ message: "url must be an absolute URL" }).max(2000).safeParse(raw);
    if (!parsed.success)
      throw invalidData("invalid_url", "url must be an absolute http(s) URL of at most 2000 characters");
    const u = new URL(parsed.data);
    if (u.protocol !== "https:" && !(deps.allowHttp && u.protocol === "http:"))
      throw invalidData("invalid_url", deps.allowHttp ? "url must be http or https" : "url must be https");
    if (u.username || u.password) throw invalidData("invalid_url", "url must not carry a user name or password");
    if (u.hash) throw invalidData("invalid_url", "url must not have a #fragment");
    if (!deps.privateTargets && isNonPublicHost(u.hostname))
      throw invalidData("invalid_url", "url must name a public host (not localhost or a private address)");
    return u.toString();
  }

  async function load(deliveryId: string): Promise<WebhookDelivery | undefined> {
    return (await sql.query<WebhookDelivery>(deliverySql(uuid.parse(deliveryId))))[0];
  }

  return {
    async setEndpoint(_ctx, input) {
      const userId = uuid.parse(input.userId);
      const url = checkUrl(input.url);
      const key = z.string().min(1).max(200).safeParse(input.idempotencyKey);
      if (!key.success) throw invalidData("invalid_data", "an idempotency key is required");
      return sql.transaction(async (tx) => {
        const [current] = await tx.query<WebhookEndpoint & { secretEnc: string; setKey: string }>(
          lockEndpointSql(userId),
        );
        // The same request again (a retry) answers what it set, secret included; the same key for another URL is a mistake.
        if (current?.setKey === key.data) {
          if (current.url !== url)
            throw conflict("idempotency_conflict", "this Idempotency-Key was already used to set another URL");
          return {
            userId,
            url: current.url,
            createdAt: current.createdAt,
            secret: secrets.decrypt(current.secretEnc),
            replayed: true,
          };
        }
        const secret = `whsec_${randomBytes(24).toString("base64url")}`;
        const [row] = await tx.query<WebhookEndpoint>(
          upsertEndpointSql(userId, url, secrets.encrypt(secret), key.data, clock.now()),
        );
        return { ...row!, secret, replayed: false };
      });
    },

    async getEndpoint(_ctx, input) {
      return (await sql.query<WebhookEndpoint>(endpointSql(uuid.parse(input.userId))))[0] ?? null;
    },

    async removeEndpoint(_ctx, input) {
      return (await sql.execute(deleteEndpointSql(uuid.parse(input.userId)))) > 0;
    },

    async record(_ctx, event) {
      const p = event.payload;
      // Only the orders the distributor placed through the API (their own system listens).
      if (p.channel !== "http") return null;
      const [endpoint] = await sql.query<WebhookEndpoint>(endpointSql(p.userId));
      if (!endpoint) return null;
      const eventId = `evt_${event.id}`;
      const body: WebhookBody = {
        id: eventId,
        type: event.type,
        created_at: event.createdAt.toISOString(),
        data: {
          order: {
            id: p.orderId,
            status: p.status,
            from: p.from,
            product_id: p.productId,
            total: Number(p.total),
            currency: p.currency,
            ...(p.reason ? { reason: p.reason } : {}),
          },
        },
      };
      const [inserted] = await sql.query<WebhookDelivery>(
        insertDeliverySql({
          id: newId(),
          userId: p.userId,
          eventId,
          eventType: event.type,
          orderId: p.orderId,
          body,
          now: clock.now(),
        }),
      );
      // A repeated event (the consumer's at-least-once) answers the delivery it made the first time.
      return inserted ?? (await sql.query<WebhookDelivery>(deliveryByEventSql(p.userId, eventId)))[0] ?? null;
    },

    async deliver(_ctx, input) {
      const d = await load(input.deliveryId);
      if (!d) return { ok: true, skipped: true };
      const [endpoint] = await sql.query<WebhookEndpoint & { secretEnc: string }>(endpointSecretSql(d.userId));
      if (!endpoint) return { ok: true, skipped: true };
      // The codes are the distributor's own purchase: decrypted into the signed request only, never stored.
      const body: WebhookBody =
        d.eventType === "order.delivered" && d.orderId
          ? {
              ...d.body,
              data: {
                ...d.body.data,
                codes: (await codes.codesFor(d.orderId)).map((c) =>
                  c.password ? { code: c.code, password: c.password } : { code: c.code },
                ),
              },
            }
          : d.body;
      const raw = JSON.stringify(body);
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await post(endpoint.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "kameng-webhooks/1",
            [SIGNATURE_HEADER]: signPayload(secrets.decrypt(endpoint.secretEnc), raw, clock.now()),
            [EVENT_ID_HEADER]: d.eventId,
          },
          body: raw,
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = res.status;
        await res.body?.cancel().catch(() => {});
        if (status < 200 || status > 299) error = `the receiver answered HTTP ${status}`;
      } catch (e) {
        const name = (e as Error).name;
        error =
          name === "TimeoutError"
            ? `no answer within ${timeoutMs} ms`
            : `could not reach the receiver: ${(e as Error).message}`;
      }
      await sql.execute(attemptedSql(d.id, error === null, status, error?.slice(0, MAX_ERROR) ?? null, clock.now()));
      return error === null ? { ok: true, status: status! } : { ok: false, status, error };
    },

    async markFailed(_ctx, input) {
      await sql.execute(markFailedSql(uuid.parse(input.deliveryId), input.error.slice(0, MAX_ERROR)));
    },

    async list(_ctx, input) {
      const userId = uuid.parse(input.userId);
      if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > 100)
        throw invalidData("invalid_limit", "limit must be a whole number from 1 to 100");
      const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
      const rows = await sql.query<WebhookDelivery>(
        after ? pageAfterSql(userId, after.at, after.id, input.limit + 1) : firstPageSql(userId, input.limit + 1),
      );
      const page = rows.slice(0, input.limit);
      const last = page[page.length - 1];
      return { deliveries: page, nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null };
    },

    async resend(_ctx, input) {
      const userId = uuid.parse(input.userId);
      const id = uuid.safeParse(input.deliveryId);
      if (!id.success) throw invalidData("invalid_id", "the delivery id must be a UUID");
      const [row] = await sql.query<WebhookDelivery>(resetSql(id.data, userId));
      if (!row) throw notFound("delivery_not_found", "no such webhook delivery");
      return row;
    },
  };
}
