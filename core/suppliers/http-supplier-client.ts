import { assertExhaustive, type Clock } from "../shared/index.ts";
import type { SupplierClient, SupplierOutcome, SupplierPlaceRequest } from "./supplier-client.port.ts";
import { classifySupplierFault, networkFault } from "./supplier-failure.ts";
import {
  queryPayload,
  supplierAnswerSchema,
  supplierErrorSchema,
  type PlaceOrderBody,
  type SupplierAnswer,
} from "./supplier-protocol.ts";
import { signedHeaders, verifySignature } from "./supplier-signature.ts";

export interface HttpSupplierClientOptions {
  /** The supplier's API root; `/orders` is appended. */
  baseUrl: string;
  /** The shared HMAC secret (decrypted; never logged). */
  secret: string;
  clock: Clock;
  fetch?: typeof fetch;
  /** Per call, covering the answer's body too. */
  timeoutMs?: number;
}

export const DEFAULT_SUPPLIER_TIMEOUT_MS = 10_000;

/** The generic signed JSON protocol (supplier-protocol.ts): signs requests, verifies answers, classifies trouble. */
export class HttpSupplierClient implements SupplierClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly opts: HttpSupplierClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, "");
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_SUPPLIER_TIMEOUT_MS;
  }

  place(req: SupplierPlaceRequest): Promise<SupplierOutcome> {
    const body: PlaceOrderBody = {
      request_key: req.requestKey,
      sku: req.sku,
      quantity: req.quantity,
      target: req.target,
      callback_url: req.callbackUrl,
    };
    const raw = JSON.stringify(body);
    return this.call("POST", `${this.base}/orders`, raw, raw, req.requestKey);
  }

  query(requestKey: string): Promise<SupplierOutcome> {
    const url = `${this.base}/orders/${encodeURIComponent(requestKey)}`;
    return this.call("GET", url, undefined, queryPayload(requestKey), requestKey);
  }

  private async call(
    method: "GET" | "POST",
    url: string,
    body: string | undefined,
    signedPayload: string,
    requestKey: string,
  ): Promise<SupplierOutcome> {
    const ctrl = new AbortController();
    let timedOut = false;
    // Raced as well as signalled, so the deadline holds even for a fetch that ignores its signal.
    const deadline = new Promise<never>((_, reject) => {
      ctrl.signal.addEventListener("abort", () => reject(new Error("supplier call timed out")), { once: true });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, this.timeoutMs);
    try {
      let res: Response;
      let text: string;
      try {
        res = await Promise.race([
          this.fetchFn(url, {
            method,
            headers: {
              accept: "application/json",
              ...(body === undefined ? {} : { "content-type": "application/json" }),
              ...signedHeaders(this.opts.secret, signedPayload, this.opts.clock.now()),
            },
            body,
            signal: ctrl.signal,
            redirect: "manual",
          }),
          deadline,
        ]);
        text = await Promise.race([res.text(), deadline]);
      } catch (e) {
        return classifySupplierFault(timedOut ? { kind: "timeout" } : networkFault(e));
      }
      return this.interpret(res, text, requestKey);
    } finally {
      clearTimeout(timer);
    }
  }

  private interpret(res: Response, text: string, requestKey: string): SupplierOutcome {
    // 5xx are taken at face value (a proxy in front of the supplier answers them unsigned); everything we
    // act upon — success, codes, an explicit failure, "never heard of it" — must carry a valid signature.
    if (res.status >= 500) return classifySupplierFault({ kind: "http_status", status: res.status });
    const check = verifySignature(this.opts.secret, res.headers, text, this.opts.clock.now());
    if (!check.ok) return classifySupplierFault({ kind: "bad_signature", detail: check.reason });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return classifySupplierFault({ kind: "bad_response", detail: "not json" });
    }
    if (res.status >= 200 && res.status < 300) {
      const parsed = supplierAnswerSchema.safeParse(json);
      if (!parsed.success) return classifySupplierFault({ kind: "bad_response", detail: "unexpected answer shape" });
      if (parsed.data.request_key !== requestKey)
        return classifySupplierFault({ kind: "bad_response", detail: "answer for another request key" });
      return answerToOutcome(parsed.data);
    }
    const err = supplierErrorSchema.safeParse(json);
    const detail = err.success ? err.data.error : undefined;
    if (err.success && err.data.request_key != null && err.data.request_key !== requestKey)
      return classifySupplierFault({ kind: "bad_response", detail: "answer for another request key" });
    if (res.status === 404) return classifySupplierFault({ kind: "unknown_request" });
    return classifySupplierFault({ kind: "http_status", status: res.status, detail });
  }
}

/** Maps a verified answer or callback body to an outcome. */
export function answerToOutcome(answer: SupplierAnswer): SupplierOutcome {
  switch (answer.status) {
    case "succeeded": {
      if (!answer.external_ref)
        return classifySupplierFault({ kind: "bad_response", detail: "succeeded without external_ref" });
      if (!answer.codes?.length) return { status: "succeeded", externalRef: answer.external_ref };
      const codes = answer.codes.map((c) => (c.password ? { code: c.code, password: c.password } : { code: c.code }));
      return { status: "succeeded", externalRef: answer.external_ref, codes };
    }
    case "pending":
      return { status: "pending", externalRef: answer.external_ref ?? null };
    case "failed":
      return classifySupplierFault(
        answer.reason ? { kind: "explicit_failure", detail: answer.reason } : { kind: "explicit_failure" },
      );
    default:
      return assertExhaustive(answer.status, "supplier answer status");
  }
}
