/** Reading OTP codes from the emulator's in-memory inbox, each code handed out once. */

/** A message in the emulator's inbox (`EmulatorHandle.inbox`). */
export interface InboxMessage {
  at: number;
  to: string;
  channel: 'sms' | 'email';
  code: string;
  purpose: 'login' | 'stepup';
  challengeId?: string;
}

/** Which message to wait for. */
export interface OtpQuery {
  /** Recipient (phone number or e-mail); any when absent. */
  to?: string;
  purpose?: 'login' | 'stepup';
  channel?: 'sms' | 'email';
}

const keyOf = (m: InboxMessage): string => `${m.at}|${m.to}|${m.channel}|${m.purpose}|${m.code}`;

/**
 * Hands out the newest matching message not handed out before, so that a test asking for "the next code"
 * never gets the previous step's code while the new one is still on its way.
 */
export class OtpReader {
  private readonly handed = new Set<string>();

  constructor(private readonly inbox: () => readonly InboxMessage[]) {}

  /** The newest matching message not yet handed out, without taking it. */
  peek(query: OtpQuery = {}): InboxMessage | undefined {
    const matching = this.inbox().filter(
      (m) =>
        !this.handed.has(keyOf(m)) &&
        (query.to === undefined || m.to === query.to) &&
        (query.purpose === undefined || m.purpose === query.purpose) &&
        (query.channel === undefined || m.channel === query.channel),
    );
    return matching.reduce<InboxMessage | undefined>(
      (newest, m) => (!newest || m.at >= newest.at ? m : newest),
      undefined,
    );
  }

  /** Marks a message as handed out. */
  take(message: InboxMessage): InboxMessage {
    this.handed.add(keyOf(message));
    return message;
  }

  /** Forgets what was handed out (after the emulator's inbox was reset). */
  forget(): void {
    this.handed.clear();
  }

  /** Waits (polling the in-memory inbox) for the next matching message. For scripts; tests use expect.poll. */
  async next(query: OtpQuery = {}, timeoutMs = 10_000): Promise<InboxMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.peek(query);
      if (found) return this.take(found);
      if (Date.now() > deadline)
        throw new Error(`No OTP for ${JSON.stringify(query)} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
