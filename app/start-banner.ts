/** What `serve` prints for a person once it listens: plain lines on stdout, apart from the logs. */
export interface BannerFacts {
  listening: string;
  publicUrl: string;
  database: string;
  queue: string;
  workersOff: boolean;
  webChat: boolean;
  /** The demo distributor's API key, on the run that created it (it is shown only once). */
  demoApiKey?: string;
}

export function startBanner(f: BannerFacts): string {
  const line = (label: string, url: string) => `  ${`${label}:`.padEnd(10)}${url}`;
  const out = [
    `kameng listening on ${f.listening} (public ${f.publicUrl}) — database: ${f.database}; jobs: ${f.queue}${f.workersOff ? " (workers off: run `npm run worker`)" : ""}`,
    ...(f.webChat ? [line("web chat", `${f.publicUrl}/`)] : []),
    line("API docs", `${f.publicUrl}/docs`),
    line("metrics", `${f.publicUrl}/metrics`),
    line("health", `${f.publicUrl}/health`),
  ];
  if (f.demoApiKey) out.push("", ...demoKeyLines(f.publicUrl, f.demoApiKey));
  return out.join("\n") + "\n";
}

export function demoKeyLines(base: string, key: string): string[] {
  return [
    `  demo distributor API key (shown once, keep it): ${key}`,
    `    curl -s ${base}/v1/products -H "Authorization: Bearer ${key}"`,
    `    curl -s ${base}/v1/orders -H "Authorization: Bearer ${key}" -H "Idempotency-Key: first-order" \\`,
    `         -H "Content-Type: application/json" -d '{"product_id":"<id from /v1/products>","quantity":1}'`,
  ];
}
