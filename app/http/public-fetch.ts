import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import { isNonPublicHost, isPublicAddress } from "../../core/shared/index.ts";
import type { WebhookFetch } from "../../core/webhooks/index.ts";

function notPublic(host: string, ip: string): Error {
  return Object.assign(new Error(`${host} is not a public address (${ip})`), { code: "EADDRNOTPUBLIC" });
}

/**
 * The address check happens in the connection's own DNS lookup, so the address that was checked is the
 * one connected to (a name that re-resolves to 127.0.0.1 between a check and the connect gets nowhere).
 */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...(options as LookupAllOptions), all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, "", 4);
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad || addresses.length === 0) return callback(notPublic(hostname, bad?.address ?? "none"), "", 4);
    if ((options as { all?: boolean }).all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/**
 * `fetch` for URLs that users give us (distributor webhooks): it refuses to connect to anything but a
 * public address, whether the URL names an IP or a host that resolves to one.
 */
export function publicOnlyFetch(): WebhookFetch {
  const dispatcher = new Agent({ connect: { lookup: publicLookup } });
  return async (url, init) => {
    const host = new URL(url).hostname;
    // An IP literal never reaches the lookup.
    if (isNonPublicHost(host)) throw notPublic(host, host);
    try {
      return await undiciFetch(url, { ...init, dispatcher });
    } catch (err) {
      // undici wraps connect errors as "fetch failed"; the reason is what the delivery log should say.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === "EADDRNOTPUBLIC") throw Object.assign(new Error(cause.message), { code: cause.code });
      throw err;
    }
  };
}
