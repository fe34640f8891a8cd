/**
 * Deterministic names of everything Ultron creates (ARCHITECTURE §8): the same inputs always give the
 * same name, so a retried create finds what an earlier attempt made (AlreadyExists) instead of a twin.
 */

/** A Trial is `<hpojob>-<index>`; its worker Job has the Trial's name. */
export const trialName = (hpoJob: string, index: number): string => `${hpoJob}-${index}`;

/** Labels Ultron puts on what it creates; the operator's informers select by the first. */
export const LABELS = {
  hpoJob: 'ultron.dev/hpojob',
  trial: 'ultron.dev/trial',
  index: 'ultron.dev/index',
} as const;

/** The HPOJob finalizer: its clean-up (JetStream data, in-memory state) runs before the job goes. */
export const HPOJOB_FINALIZER = 'ultron.dev/cleanup';

/** The Lease the operator replicas elect their leader on. */
export const LEADER_LEASE = 'ultron-operator';
