import path from "node:path";
import { WechatyBuilder, type OfficialPuppetNpmName } from "wechaty";
import { createWechatChannel, type WechatChannel, type WechatChannelDeps } from "./wechat.channel.ts";

export interface WechatPuppetConfig {
  /** `WECHATY_PUPPET`: any installed puppet package (default `wechaty-puppet-service`). */
  puppet?: string;
  /** `WECHATY_PUPPET_SERVICE_TOKEN`, `…_ENDPOINT`, `…_NO_TLS_INSECURE_CLIENT`: the puppet service's. */
  token?: string;
  endpoint?: string;
  noTlsInsecureClient?: boolean;
  /** The login session (wechaty's memory card) is kept here, so a restart resumes without a new scan where the puppet can. */
  dataDir: string;
}

export type StartWechatOptions = WechatPuppetConfig & Omit<WechatChannelDeps, "wechaty">;

/**
 * Builds wechaty with the configured puppet — chosen by configuration alone: any installed puppet package
 * works — and the channel over it, not started yet.
 */
export function buildWechat(opts: StartWechatOptions): WechatChannel {
  const puppet = opts.puppet ?? "wechaty-puppet-service";
  const wechaty = WechatyBuilder.build({
    name: path.resolve(opts.dataDir, "wechat"),
    // Any installed package name works at run time (wechaty imports it); the type lists the official ones.
    puppet: puppet as OfficialPuppetNpmName,
    puppetOptions: {
      ...(opts.token ? { token: opts.token } : {}),
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      ...(opts.noTlsInsecureClient !== undefined ? { tls: { disable: opts.noTlsInsecureClient } } : {}),
    },
  });
  opts.logger.info({ puppet, endpoint: opts.endpoint ?? "(discovery)" }, "wechat: puppet configured");
  return createWechatChannel({ ...opts, wechaty });
}

/**
 * `buildWechat`, then starts it: resolves once the sender runs and wechaty has started (connected to its
 * puppet); logging in happens later (a QR code is printed, or the puppet resumes its saved session).
 */
export async function startWechat(opts: StartWechatOptions): Promise<WechatChannel> {
  const channel = buildWechat(opts);
  await channel.start();
  return channel;
}
