import ipaddr from "ipaddr.js";

/** Only the open internet: loopback, private, link-local (cloud metadata), CGNAT, multicast and reserved are not. */
export function isPublicAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  return ipaddr.process(ip).range() === "unicast";
}

/** A URL host (`[::1]` as URL.hostname gives it) that is `localhost` or an IP literal off the open internet. */
export function isNonPublicHost(hostname: string): boolean {
  if (/(^|\.)localhost\.?$/i.test(hostname)) return true;
  const bare = hostname.replace(/^\[|\]$/g, "");
  return ipaddr.isValid(bare) && !isPublicAddress(bare);
}
