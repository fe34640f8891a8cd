/**
 * Deterministic names of everything Ultron creates (ARCHITECTURE §8): the same inputs always give the
 * same name, so a retried create finds what an earlier attempt made (AlreadyExists) instead of a twin.
 */

/** A Trial is `<hpojob>-<index>`; its worker Job has the Trial's name. */
export const trialName = (hpoJob: string, index: number): string => `${hpoJob}-${index}`;
