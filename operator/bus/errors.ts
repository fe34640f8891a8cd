/** Typed errors of the NATS shell; callers test the class or `code`, never the message text. */
import { UltronError } from '../errors.js';

/** The bus was closed (by `close()`) before or while an operation waited for a connection. */
export class BusClosed extends UltronError {
  constructor(message = 'the bus is closed') {
    super('BusClosed', message);
  }
}

/** A stream exists with a setting that cannot be changed in place (retention or storage). */
export class StreamConflict extends UltronError {
  constructor(
    readonly stream: string,
    message: string,
  ) {
    super('StreamConflict', message);
  }
}

/** A subject that no Ultron stream stores (see subjects.ts). */
export class UnknownSubject extends UltronError {
  constructor(readonly subject: string) {
    super('UnknownSubject', `no Ultron stream stores subject '${subject}'`);
  }
}

/** A replay did not reach its last message in time (the server is slow or unreachable). */
export class ReplayTimeout extends UltronError {
  constructor(message: string) {
    super('ReplayTimeout', message);
  }
}

/** A replay would return more messages than its bound (a runaway subject; never a normal job). */
export class ReplayTooLarge extends UltronError {
  constructor(message: string) {
    super('ReplayTooLarge', message);
  }
}

/** A publish was not acknowledged by a stream; `cause` holds the client's error. */
export class PublishFailed extends UltronError {
  constructor(
    readonly subject: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('PublishFailed', message);
    if (options && 'cause' in options) this.cause = options.cause;
  }
}

/** No NATS connection came up within the wait; `status` says why (for the caller's message). */
export class NotConnected extends UltronError {
  constructor(message: string) {
    super('NotConnected', message);
  }
}
