import { createServer } from "node:net";

/**
 * Tries the address `serve` will listen on, before anything else happens (migrations, seeding, a demo
 * key printed once): a busy port must stop the start at once, not after the database was touched.
 * Resolves when the port can be bound; otherwise rejects with a message for the operator.
 */
export function checkPortFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) => reject(new Error(portProblem(e, port, host))));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export function portProblem(e: NodeJS.ErrnoException, port: number, host: string): string {
  switch (e.code) {
    case "EADDRINUSE":
      return `port ${port} on ${host} is already in use (is kameng already running?). Stop the other process or choose another port, e.g. PORT=${port === 3000 ? 3001 : 3000} npm start`;
    case "EACCES":
      return `not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges); choose another, e.g. PORT=3000`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return `cannot listen on ${host}: this machine has no such address (HOST=${host}); use HOST=127.0.0.1 or HOST=0.0.0.0`;
    default:
      return `cannot listen on ${host}:${port}: ${e.message}`;
  }
}
