/**
 * The base of Ultron's typed errors, below every other module (api, core and the shells all use it).
 * Callers test the class or `code`, never the message text.
 */
export class UltronError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
