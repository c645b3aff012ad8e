import { Hono } from "hono";
import { startChat } from "../chat.ts";
import { metricsRoutes } from "../http/metrics.ts";
import { publicUrl } from "../config.ts";
import { createContainer, type ContainerOptions } from "../container.ts";
import { createHttpApp } from "../http-app.ts";
import { createLogger, logFormat, type Logger } from "../logger.ts";
import { listen } from "../server.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrator.ts";
import { startDemo } from "../demo.ts";
import { checkPortFree, portProblem } from "../port-check.ts";
import { demoKeyLines, startBanner } from "../start-banner.ts";
import { openAdminChannel } from "./admin-channel.ts";
import { out } from "./cli-run.ts";
import { CliError, loadConfig } from "./cli-support.ts";

// serve, worker and migrate: loaded only when one of them runs (app/cli/program.ts).

/**
 * Test-only crash hook for the crash test: with KAMENG_TEST_CRASH_AFTER_SUPPLIER=1 a worker kills itself
 * (SIGKILL) right after a supplier answered `succeeded` and before the delivery transaction commits.
 * Read here, in app/, and injected into the flow as a hook; refused in production.
 */
function crashHook(nodeEnv: string): ContainerOptions["flowHooks"] {
  if (process.env.KAMENG_TEST_CRASH_AFTER_SUPPLIER !== "1") return undefined;
  if (nodeEnv === "production") throw new Error("KAMENG_TEST_CRASH_AFTER_SUPPLIER is a test hook; not in production");
  return {
    afterSupplierCall: () => {
      process.stderr.write("KAMENG_TEST_CRASH_AFTER_SUPPLIER: killing this worker now\n");
      process.kill(process.pid, "SIGKILL");
      return new Promise<void>(() => {}); // never continue: the signal ends the process
    },
  };
}

function onShutdown(logger: Logger, stop: () => Promise<void>) {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: draining");
    await stop();
    logger.info("stopped cleanly");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

export async function serveCommand() {
  const config = await loadConfig();
  const logger = createLogger(config.LOG_LEVEL, undefined, logFormat(config.LOG_FORMAT));
  // Before the database is touched or a demo key is printed: a busy port ends the start here.
  await checkPortFree(config.PORT, config.HOST).catch((e: Error) => {
    throw new CliError(e.message, 69); // EX_UNAVAILABLE
  });
  const container = await createContainer(config, logger, { flowHooks: crashHook(config.NODE_ENV) });
  let chat: Awaited<ReturnType<typeof startChat>> | undefined;
  let demoApiKey: string | undefined;
  try {
    const demo = config.DEMO_SEED ?? !config.DATABASE_URL;
    if (demo) demoApiKey = (await startDemo(container)).apiKey;
    if (config.RUN_WORKERS) await container.startWorkers();
    // Event consumers hosted by `serve`: the fulfilment dispatcher here, the shop notifier and the Stars
    // refunder in startChat (docs/events.md).
    container.events.host(container.fulfilmentDispatcher);
    container.events.host(container.webhookDispatcher);
    container.events.host(container.distributionBookkeeper);
    chat = await startChat(container, { demo });
    await container.events.start();
    // Only this process may open the embedded database: operator commands reach it over the admin channel.
    if (container.db.kind === "pglite")
      await openAdminChannel(container).then(
        (admin) => container.onClose(() => admin.close()),
        (e: Error) => logger.warn(`no admin channel (${e.message}): CLI commands need this process stopped`),
      );
    const app = createHttpApp(container, { chatRoutes: chat.routes });
    const server = await listen(app, config.PORT, config.HOST, logger).catch((e: NodeJS.ErrnoException) => {
      throw new CliError(portProblem(e, config.PORT, config.HOST), 69);
    });
    process.stdout.write(
      startBanner({
        listening: `http://${config.HOST}:${server.port}`,
        publicUrl: publicUrl(config),
        database: config.DATABASE_URL ? "PostgreSQL" : `embedded PGlite in ${config.DATA_DIR}`,
        queue: config.REDIS_URL ? "BullMQ on Redis" : "in-process queue",
        workersOff: !config.RUN_WORKERS,
        webChat: chat.routes.routes.some((r) => r.path === "/"),
        ...(demoApiKey ? { demoApiKey } : {}),
      }),
    );
    const started = chat;
    onShutdown(logger, async () => {
      await server.stop();
      await started.stop();
      await container.close();
    });
  } catch (e) {
    // Nothing may keep the process alive after a failed start (timers, workers, the supplier sim).
    await chat?.stop().catch(() => {});
    await container.close();
    if (demoApiKey) process.stdout.write(demoKeyLines(publicUrl(config), demoApiKey).join("\n") + "\n");
    throw e;
  }
}

export async function workerCommand(o: { concurrency?: string; stuckAfterMs?: string }) {
  const config = await loadConfig();
  const logger = createLogger(config.LOG_LEVEL, undefined, logFormat(config.LOG_FORMAT));
  if (!config.DATABASE_URL)
    logger.warn("the embedded database belongs to one process: a separate worker needs DATABASE_URL (PostgreSQL)");
  if (!config.REDIS_URL)
    logger.warn("without REDIS_URL this worker only sees jobs it enqueues itself (sweepers); set REDIS_URL");
  const stuckAfterMs = o.stuckAfterMs === undefined ? undefined : Number(o.stuckAfterMs);
  if (stuckAfterMs !== undefined && !(Number.isInteger(stuckAfterMs) && stuckAfterMs >= 0))
    throw new Error("--stuck-after-ms must be a whole number of milliseconds");
  const container = await createContainer(config, logger, {
    flowHooks: crashHook(config.NODE_ENV),
    ...(stuckAfterMs === undefined ? {} : { workerTuning: { stuckAfterMs } }),
  });
  // The event consumers a worker hosts: the fulfilment dispatcher and the distributor webhooks'
  // (notifications wait for `serve`).
  container.events.host(container.fulfilmentDispatcher);
  container.events.host(container.webhookDispatcher);
  container.events.host(container.distributionBookkeeper);
  await container.events.start();
  const concurrency = o.concurrency ? Number(o.concurrency) : config.WORKER_CONCURRENCY;
  await container.startWorkers({ concurrency });
  // Its per-process metrics (supplier calls, job failures) are only known here: scraped from this port.
  const metrics = config.WORKER_METRICS_PORT
    ? await listen(
        new Hono().route("/metrics", metricsRoutes(container.metrics)),
        config.WORKER_METRICS_PORT,
        config.HOST,
        logger,
      )
    : undefined;
  out(
    `kameng worker running (${container.jobs.kind}, concurrency ${concurrency})` +
      (metrics ? `; metrics: http://${config.HOST}:${metrics.port}/metrics` : ""),
  );
  onShutdown(logger, async () => {
    await metrics?.stop();
    await container.close();
  });
}

export async function migrateCommand() {
  const config = await loadConfig();
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 1 });
  const conn = await db.connect();
  try {
    const res = await migrate(conn);
    out(res.applied.length ? `applied: ${res.applied.join(", ")}` : "nothing to apply");
    out(`already applied: ${res.alreadyApplied}`);
  } finally {
    await conn.close();
    await db.close();
  }
}
