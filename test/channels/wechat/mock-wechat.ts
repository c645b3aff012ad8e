import { WechatyBuilder, type Wechaty } from "wechaty";
import { PuppetMock, mock } from "wechaty-puppet-mock";
import type * as PUPPET from "wechaty-puppet";
import { sleep } from "../../../core/shared/index.ts";

export interface SentText {
  chatId: string;
  text: string;
  at: number;
}

/**
 * A real wechaty on wechaty-puppet-mock, in process: contacts and rooms say things to the bot, and every
 * text the bot sends is recorded where the puppet receives it (with its time, for the spacing checks).
 */
export class MockWechat {
  readonly mocker = new mock.Mocker();
  readonly puppet: PuppetMock;
  readonly wechaty: Wechaty;
  readonly self: mock.ContactMock;
  readonly sent: SentText[] = [];
  /** Makes the next sends fail (count), as a disconnected puppet would. */
  failNext = 0;

  constructor(name = "卡盟小助手") {
    this.puppet = new PuppetMock({ mocker: this.mocker });
    const send = this.puppet.messageSendText.bind(this.puppet);
    this.puppet.messageSendText = async (chatId: string, text: string) => {
      if (this.failNext > 0) {
        this.failNext--;
        throw new Error("mock: send failed");
      }
      this.sent.push({ chatId, text, at: Date.now() });
      return send(chatId, text);
    };
    this.wechaty = WechatyBuilder.build({ puppet: this.puppet });
    this.self = this.mocker.createContact({ name });
  }

  /** Waits for wechaty to have started (the channel starts it), then logs the bot's account in. */
  async login(timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.puppet.state.active()) {
      if (Date.now() > until) throw new Error("wechaty did not start");
      await sleep(20);
    }
    this.mocker.login(this.self);
    // The puppet's own state: in the service test the wechaty here is never started (the service's is).
    while (!this.puppet.isLoggedIn) {
      if (Date.now() > until) throw new Error("wechaty did not log in");
      await sleep(20);
    }
  }

  contact(name: string): mock.ContactMock {
    return this.mocker.createContact({ name });
  }

  room(topic: string, members: mock.ContactMock[]): mock.RoomMock {
    return this.mocker.createRoom({ topic, memberIdList: [this.self.id, ...members.map((m) => m.id)] });
  }

  /** A message with a payload of our choosing (an id used twice, an old timestamp, a non-text type). */
  emit(payload: Partial<PUPPET.payloads.Message> & { talkerId: string }): string {
    const msg = this.mocker.MessageMock.create({
      id: payload.id ?? `m-${Math.random().toString(36).slice(2)}`,
      timestamp: Date.now(),
      type: 7,
      text: "",
      ...payload,
    } as PUPPET.payloads.Message);
    this.puppet.emit("message", { messageId: msg.id });
    return msg.id;
  }

  /** The same message delivered again (puppets deliver at least once). */
  emitAgain(messageId: string): void {
    this.puppet.emit("message", { messageId });
  }

  textsTo(chatId: string): string[] {
    return this.sent.filter((s) => s.chatId === chatId).map((s) => s.text);
  }

  /** Waits until a text sent to `chatId` after the first `from` of them matches; returns it. */
  async waitFor(chatId: string, pattern: RegExp, from = 0, ms = 20_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const hit = this.textsTo(chatId)
        .slice(from)
        .find((t) => pattern.test(t));
      if (hit) return hit;
      if (Date.now() > until)
        throw new Error(`no ${pattern} to ${chatId} in:\n${this.textsTo(chatId).slice(from).join("\n---\n")}`);
      await sleep(25);
    }
  }
}

/** The number a numbered menu gives the item whose label matches. */
export function numberOf(menuText: string, label: RegExp): string {
  for (const line of menuText.split("\n")) {
    const m = /^(\d+)\. (.*)$/.exec(line);
    if (m && label.test(m[2]!)) return m[1]!;
  }
  throw new Error(`no item ${label} in:\n${menuText}`);
}
